"""The kf send rule: after a customer's message, at most 5 messages within 48 hours (errcodes 95001, 95002).

The platform restarts the count at every customer message. The channel keeps, per open_kfid and customer,
in the ChannelStore: when the customer last wrote (``since``, the platform's send_time), how many messages
were sent after it (``sent``) and when the channel last sent one (``last_send``, this machine's clock).

A customer message resets the count only when its send_time is later than the channel's last send: a
message that may have arrived before a send leaves the count as it is, so the channel may count a send
too many but never one too few (send_time has whole seconds). `fit` packs the reply chunks into the
messages that are left, merging neighbours up to the byte limit; what does not fit is dropped and reported.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from bot.channels.store import ChannelStore

MESSAGES_PER_TURN = 5
WINDOW_SECONDS = 48 * 3600
_SEPARATOR = "\n\n"


@dataclass
class QuotaRecord:
    """The send count of one customer's current window."""

    since: float = 0.0
    sent: int = 0
    last_send: float = 0.0

    def note_customer_message(self, send_time: float) -> None:
        """A customer message sent at `send_time` (platform seconds) was received."""
        if send_time > self.last_send:
            self.sent = 0
        self.since = max(self.since, send_time)

    def remaining(self, now: float) -> int:
        """How many messages may still be sent now."""
        if not self.since or now - self.since > WINDOW_SECONDS:
            return 0
        return max(0, MESSAGES_PER_TURN - self.sent)

    def note_sent(self, now: float) -> None:
        """One message was accepted by the platform."""
        self.sent += 1
        self.last_send = now

    def exhaust(self) -> None:
        """The platform said the quota is used up (95001) or the window closed (95002)."""
        self.sent = MESSAGES_PER_TURN


class SendQuota:
    """The quota records in the ChannelStore (blocking calls; run them in a thread from async code)."""

    def __init__(self, store: ChannelStore, prefix: str = "wecom:quota"):
        self.store = store
        self.prefix = prefix

    def key(self, open_kfid: str, external_userid: str) -> str:
        return f"{self.prefix}:{open_kfid}:{external_userid}"

    def load(self, open_kfid: str, external_userid: str) -> QuotaRecord:
        raw = self.store.get_value(self.key(open_kfid, external_userid))
        try:
            data = json.loads(raw) if raw else {}
            return QuotaRecord(float(data.get("since", 0)), int(data.get("sent", 0)), float(data.get("last_send", 0)))
        except (ValueError, TypeError, AttributeError):
            return QuotaRecord(sent=MESSAGES_PER_TURN)  # unreadable: assume nothing may be sent until the next message

    def save(self, open_kfid: str, external_userid: str, record: QuotaRecord) -> None:
        self.store.set_value(self.key(open_kfid, external_userid), json.dumps(asdict(record)))

    def note_customer_message(self, open_kfid: str, external_userid: str, send_time: float) -> QuotaRecord:
        record = self.load(open_kfid, external_userid)
        record.note_customer_message(send_time)
        self.save(open_kfid, external_userid, record)
        return record

    def note_sent(self, open_kfid: str, external_userid: str, now: float | None = None) -> QuotaRecord:
        record = self.load(open_kfid, external_userid)
        record.note_sent(time.time() if now is None else now)
        self.save(open_kfid, external_userid, record)
        return record

    def exhaust(self, open_kfid: str, external_userid: str) -> None:
        record = self.load(open_kfid, external_userid)
        record.exhaust()
        self.save(open_kfid, external_userid, record)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(chunks: list[str], slots: int, max_bytes: int, notice: str = "") -> tuple[list[str], int]:
    """At most `slots` messages of at most `max_bytes` bytes carrying `chunks` in order, and how many chunks
    did not fit. Neighbouring chunks are merged (blank line between) only as far as needed; when some are
    dropped, `notice` is appended to the last message if it still fits."""
    chunks = [chunk for chunk in chunks if chunk.strip()]
    if slots <= 0:
        return [], len(chunks)
    if len(chunks) <= slots:
        return chunks, 0
    merged: list[list[str]] = []  # the chunks of each message
    for index, chunk in enumerate(chunks):
        if merged and len(merged) + (len(chunks) - index) > slots:  # still too many: try to merge this one
            if _size(_SEPARATOR.join([*merged[-1], chunk])) <= max_bytes:
                merged[-1].append(chunk)
                continue
        merged.append([chunk])
    kept = [_SEPARATOR.join(parts) for parts in merged[:slots]]
    dropped = sum(len(parts) for parts in merged[slots:])
    if dropped and notice and _size(kept[-1] + _SEPARATOR + notice) <= max_bytes:
        kept[-1] = kept[-1] + _SEPARATOR + notice
    return kept, dropped
