"""One log line per request: method, path, status, duration and a keyed hash of the sender; never the text."""

from __future__ import annotations

import hashlib
import logging

logger = logging.getLogger("bot.edge.access")

MAX_PATH = 200


def sender_hash(sender: str | None, key: bytes) -> str:
    """A short keyed hash of the sender id, so one conversation's requests can be followed without the id."""
    if not sender:
        return "-"
    return hashlib.blake2b(sender.encode(), key=key[:64], digest_size=6).hexdigest()


def log_request(method: str, path: str, status: int, seconds: float, sender: str | None, key: bytes) -> None:
    """Write the access line."""
    logger.info("%s %s %d %.1fms sender=%s", method, path[:MAX_PATH], status, seconds * 1000,
                sender_hash(sender, key))
