"""Logging without personal data: every record masked (`bot.privacy.masking`) and cut to 2,000 characters.

`PrivacyFilter` renders a record's message (``msg % args``), masks ID, mobile and bank-card numbers and
cue-named verification factors (尾号1234) in it, cuts it to ``limit`` characters, and puts the result back
as ``msg`` with no ``args``; a traceback (``exc_info``) and ``stack_info`` are rendered, masked and cut
the same way (a traceback keeps its head and its last lines, where the exception is). Records are
changed in place and marked, so a record is scrubbed once however many handlers it passes.

A filter on a handler only sees what goes through that handler, and Rasa's HTTP server (Sanic) installs
handlers of its own after the logging configuration is read. So `install()` also wraps the log record
factory: every record is scrubbed as it is made, whichever handler later writes it, and Python warnings
(``warnings.warn``, which Rasa uses for many messages) are routed through logging. `config/logging.yml`
does both through `privacy_filter(everywhere=True)`::

    python -m bot.rasa_runtime run --logging-config-file config/logging.yml ...  # with the project root on PYTHONPATH

Other processes call `configure_logging()` (or `install()`) at start-up.
"""

from __future__ import annotations

import logging
import logging.config
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from bot.privacy.masking import mask, mask_cued_factors

LIMIT: Final = 2000
"""The longest message (and traceback) a record keeps, in characters."""

MARGIN: Final = 64
"""Characters beyond the cut still searched, so a number that straddles it is seen whole."""

_SCRUBBED: Final = "_onevisit_scrubbed"
UNREADABLE: Final = "〔日志内容无法安全处理，已省略〕"


def mask_for_log(text: str) -> str:
    """Personal numbers and cue-named verification factors masked."""
    return mask_cued_factors(mask(text))


def shorten(text: str, limit: int = LIMIT, *, keep_tail: bool = False) -> str:
    """``text`` masked and at most ``limit`` characters long (a note says how long it was).

    Only the part that is kept is searched (plus a small margin), so a 600 KB record costs no more than
    a short one.
    """
    if len(text) <= limit:
        return mask_for_log(text)
    note = f"…〔已截断，原长 {len(text)} 字符〕"
    room = max(0, limit - len(note))
    if not keep_tail:
        return mask_for_log(text[:room + MARGIN])[:room] + note
    head, tail = room // 2, room - room // 2
    kept_tail = mask_for_log(text[-(tail + MARGIN):])[-tail:] if tail else ""
    return mask_for_log(text[:head + MARGIN])[:head] + note + kept_tail


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a malformed call (wrong number of args): keep what there is
        return f"{record.msg!s} {record.args!r}"


def scrub(record: logging.LogRecord, limit: int = LIMIT) -> None:
    """Mask and cut a record's message, traceback and stack in place (once per record)."""
    if getattr(record, _SCRUBBED, False):
        return
    try:
        record.msg = shorten(_message(record), limit)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text = shorten(record.exc_text, limit, keep_tail=True)
        if record.stack_info:
            record.stack_info = shorten(record.stack_info, limit, keep_tail=True)
    except Exception:  # logging must go on, and must not fall back to the raw text
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = (
            UNREADABLE, None, None, None, None)
    setattr(record, _SCRUBBED, True)


class PrivacyFilter(logging.Filter):
    """A handler (or logger) filter that scrubs every record passing it and lets it through."""

    def __init__(self, name: str = "", limit: int = LIMIT) -> None:
        super().__init__(name)
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record; always keep it."""
        scrub(record, self.limit)
        return True


_previous_factory: Callable[..., logging.LogRecord] | None = None


def install(limit: int = LIMIT, capture_warnings: bool = True) -> None:
    """Scrub every log record of this process as it is made, and (by default) log Python warnings.

    Idempotent. `uninstall()` undoes it.
    """
    global _previous_factory
    if _previous_factory is not None:
        return
    previous = logging.getLogRecordFactory()

    def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub(record, limit)
        return record

    logging.setLogRecordFactory(scrubbed_record)
    _previous_factory = previous
    if capture_warnings:
        logging.captureWarnings(True)


def uninstall() -> None:
    """Restore the record factory `install()` replaced, and Python's own display of warnings."""
    global _previous_factory
    if _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
        _previous_factory = None
        logging.captureWarnings(False)


def privacy_filter(limit: int = LIMIT, everywhere: bool = False, capture_warnings: bool = True) -> PrivacyFilter:
    """The factory `logging.config.dictConfig` calls for ``"()": bot.privacy.logfilter.privacy_filter``.

    With ``everywhere`` it also calls `install()` (see the module doc: handlers added later, Python warnings).
    """
    if everywhere:
        install(limit, capture_warnings)
    return PrivacyFilter(limit=limit)


def default_config_file() -> Path:
    """``config/logging.yml`` in the project."""
    from bot.config import PROJECT_ROOT

    return PROJECT_ROOT / "config" / "logging.yml"


def configure_logging(path: Path | None = None) -> None:
    """Apply a YAML logging configuration (default `config/logging.yml`); errors are raised, not swallowed."""
    import yaml

    config = yaml.safe_load((path or default_config_file()).read_text(encoding="utf-8"))
    logging.config.dictConfig(config)
