"""One record per turn (what a simulated user sent and what came back), written as JSON lines, and the
classification of each outcome."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

OK = "ok"                       # HTTP 200 with at least one bot message
CLEAR_FAILURE = "clear_failure"  # refused with a polite Chinese message (e.g. the edge's 503)
EMPTY = "empty"                 # HTTP 200 with no message at all: the person is left without an answer
HTTP_ERROR = "http_error"       # any other status, or a body that is no clear message
CONNECTION_ERROR = "connection_error"  # refused, reset or timed out
OUTCOMES = (OK, CLEAR_FAILURE, EMPTY, HTTP_ERROR, CONNECTION_ERROR)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LEAK = re.compile(r"Traceback|Exception|Error\b|File \"", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One message and its answer."""

    sender: str
    seq: int            # 0, 1, ... within the sender's conversation
    text: str
    status: int         # HTTP status, 0 when there was no response
    started: float      # wall clock (time.time()) when sent
    latency: float      # seconds until the whole answer was read
    outcome: str
    detail: str = ""    # the first reply or error text, shortened

    @property
    def ended(self) -> float:
        return self.started + self.latency

    @property
    def answered(self) -> bool:
        return self.outcome == OK

    @property
    def error(self) -> bool:
        """Non-200, empty reply or connection error (a clear failure is still counted here)."""
        return self.outcome != OK


def classify(status: int, body: object) -> tuple[str, str]:
    """(outcome, detail) of one HTTP answer from the edge."""
    if status == 200 and isinstance(body, list):
        texts = [str(item.get("text") or "") for item in body if isinstance(item, dict)]
        joined = "\n".join(texts)
        if not body:
            return EMPTY, ""
        if LEAK.search(joined):
            return HTTP_ERROR, joined[:200]
        return OK, joined[:80]
    message = body.get("error") if isinstance(body, dict) else None
    if isinstance(message, str) and CHINESE.search(message) and not LEAK.search(message):
        return CLEAR_FAILURE, message[:200]
    return HTTP_ERROR, str(body)[:200]


def write(stream, turn: Turn) -> None:  # noqa: ANN001 (a text file)
    """Append one record as a JSON line and flush, so a killed load run still leaves whole lines."""
    stream.write(json.dumps(asdict(turn), ensure_ascii=False) + "\n")
    stream.flush()


def read(paths: Iterable[Path]) -> list[Turn]:
    """All records of these files (whole lines only), sorted by send time."""
    return sorted(_read(paths), key=lambda turn: turn.started)


def _read(paths: Iterable[Path]) -> Iterator[Turn]:
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                yield Turn(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line cut short when the writer was stopped
