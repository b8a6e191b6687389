"""Case numbers and verification factors: formats shared by the client and the reference server.

A case number (办件编号) is ``ZJ`` + the 4-digit year of application + the 6-digit administrative
division code of the accepting office (浙江: 33xxxx) + a 6-digit serial number, 18 characters,
for example ``ZJ2026330106000101`` (2026, 杭州市西湖区, serial 000101).

The verification factor is either the last four digits of the applicant's phone number, or the
8-character query code (查询码) printed on the acceptance receipt, drawn from the capital letters
and digits without the look-alikes 0, 1, I and O (for example ``K7M3Q9TX``).

The end user (``X-End-User``) is a pseudonym the assistant derives from the citizen's channel id with
a server-side secret (`bot.cases.attempts.end_user_id`), never the raw id: the case-status API
rate-limits and locks per end user with it.

The patterns are defined once in `bot.entities.formats`; finding them in free text is the job of the
entity extractor (`bot.entities`), which this module asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.entities.formats import CASE_NUMBER_PATTERN, PHONE_LAST4_PATTERN, QUERY_CODE_PATTERN, compact
from bot.entities.kinds import CASE_NUMBER, PHONE_LAST4, QUERY_CODE

CASE_NUMBER_RE = re.compile(CASE_NUMBER_PATTERN)
PHONE_LAST4_RE = re.compile(PHONE_LAST4_PATTERN)
QUERY_CODE_RE = re.compile(QUERY_CODE_PATTERN)
END_USER_PATTERN = "^[A-Za-z0-9_-]{16,64}$"
END_USER_RE = re.compile(END_USER_PATTERN)


def is_valid_case_number(value: str) -> bool:
    """True when ``value`` is a canonical case number (no normalisation applied)."""
    return CASE_NUMBER_RE.fullmatch(value) is not None


def normalize_case_number(text: str) -> str | None:
    """The canonical case number typed in ``text`` (full-width, lower case, spaces, dashes allowed).

    Returns None when the text is not a case number.
    """
    folded = compact(text)
    return folded if CASE_NUMBER_RE.fullmatch(folded) else None


def find_case_number(text: str) -> str | None:
    """The first case number inside a free-text message, canonical, or None (read by `bot.entities`)."""
    from bot.entities import extract

    return next((str(e.value) for e in extract(text) if e.kind == CASE_NUMBER), None)


def mask_case_number(value: str) -> str:
    """A case number safe for logs: the first 4 and last 2 characters kept, the rest ``*``.

    Values of 6 characters or fewer are masked entirely.
    """
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


@dataclass(frozen=True)
class PhoneLast4:
    """The last four digits of the applicant's phone number."""

    digits: str

    def __post_init__(self) -> None:
        if not PHONE_LAST4_RE.fullmatch(self.digits):
            raise ValueError("phone_last4 must be exactly 4 digits")

    def __repr__(self) -> str:  # never show the digits in logs or tracebacks
        return "PhoneLast4(****)"


@dataclass(frozen=True)
class QueryCode:
    """The query code printed on the acceptance receipt."""

    code: str

    def __post_init__(self) -> None:
        if not QUERY_CODE_RE.fullmatch(self.code):
            raise ValueError("query code must be 8 characters from A-Z and 2-9 without I and O")

    def __repr__(self) -> str:
        return "QueryCode(********)"


Verification = PhoneLast4 | QueryCode


def parse_verification(text: str) -> Verification | None:
    """The verification factor typed in ``text``: 4 digits, or a receipt query code; else None.

    The text must be the factor alone (spaces, dashes and full-width characters allowed); read by
    `bot.entities`, which knows both formats.
    """
    from bot.entities import extract

    found = [e for e in extract(text, expect=(PHONE_LAST4, QUERY_CODE)) if e.kind in (PHONE_LAST4, QUERY_CODE)]
    if len(found) != 1 or compact(text[:found[0].start] + text[found[0].end:]):
        return None
    factor = found[0]
    return PhoneLast4(str(factor.value)) if factor.kind == PHONE_LAST4 else QueryCode(str(factor.value))
