"""The shape of a chat request: a JSON object with a well-formed `sender` and a string `message`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.edge import messages

SENDER_PATTERN = re.compile(r"[A-Za-z0-9:_.@-]{1,128}")
JSON_TYPES = ("application/json",)


class BadRequest(Exception):
    """The request is refused with 400; `reason` is the polite text for the citizen."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ChatRequest:
    """A well-formed request: who is talking and what they said (not yet stripped or masked)."""

    sender: str
    message: str


def _reject_constant(name: str) -> float:
    """`json` accepts NaN and ±Infinity; they are not JSON, so refuse them."""
    raise ValueError(f"not JSON: {name}")


def parse_json(body: bytes) -> object:
    """Strict JSON: UTF-8, no NaN or Infinity; raises BadRequest for anything else."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadRequest(messages.NOT_JSON) from error


def parse_chat_request(body: bytes) -> ChatRequest:
    """Check the body's shape; raises BadRequest with a polite reason when it is not a chat request."""
    data = parse_json(body)
    if not isinstance(data, dict):
        raise BadRequest(messages.NOT_AN_OBJECT)
    sender = data.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise BadRequest(messages.BAD_SENDER)
    message = data.get("message")
    if not isinstance(message, str):
        raise BadRequest(messages.BAD_MESSAGE)
    return ChatRequest(sender, message)


def is_json_content_type(content_type: str) -> bool:
    """Only JSON requests are accepted: a cross-site page cannot send one without a CORS preflight."""
    return content_type.lower() in JSON_TYPES
