"""Personal numbers in free Chinese text: resident ID numbers, mainland mobile numbers, bank-card numbers.

`mask(text)` replaces each one with a masked form that keeps a hint and cannot be turned back:

===========================  ===============================  ==========================================
what                         recognised by                    masked form
===========================  ===============================  ==========================================
resident ID number, 18       GB 11643 check character, a real  first 6 digits (the registering area) and
                             birth date, a province code       12 ``*``: ``330106************``
old resident ID number, 15   a real birth date (19YYMMDD), a   first 6 digits and 9 ``*``
                             province code
mainland mobile number       11 digits ``1[3-9]…``, optional   first 3 digits and 8 ``*``: ``138********``
                             ``+86`` / ``86`` / ``0086``       (the last four are this assistant's
                                                               verification factor, so they never show)
bank-card number, 16-19      the Luhn check                    ``****`` and the last 4 digits
===========================  ===============================  ==========================================

How numbers are found, and why not with ``\\b``: Python counts CJK characters as word characters, so
``\\b`` never matches between 号 and 1 in 手机号13812345678. The text is first folded character by character
(NFKC: full-width digits and letters become ASCII, the ideographic space a space; same length, so offsets
stay those of the original), then maximal runs of digits are read, with up to three spaces or dashes
between digits (``138 1234 5678``, ``6222-0212-3456-7890-128``). A run glued to a Latin letter or a
digit is no personal number at that end (``ZJ2026330106000101`` is a case number, ``a1b2…`` a hash);
case numbers typed with separators (``zj 2026 3301 0600 0101``) are recognised and left alone; a run
that is several numbers written apart (``13812345678 330106199001011234``) is split at its separators.
Escapes that repr() and JSON put into log lines (``\\u53f7``, ``\\n``) do not hide a number behind them.

Numbers that fail their check (an 18-digit number with a wrong check character, a 16-digit number that
fails Luhn) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from bot.entities.formats import fold

ID_NUMBER: Final = "id_number"
OLD_ID_NUMBER: Final = "old_id_number"
MOBILE: Final = "mobile"
BANK_CARD: Final = "bank_card"

SEPARATOR_CHARS: Final = " \t-‐‑‒–—"
"""What may stand between the digits of one number (after folding: the full-width space and hyphen too)."""

_RUN = re.compile(r"[0-9](?:[" + re.escape(SEPARATOR_CHARS) + r"]{0,3}[0-9])*")
_GROUP = re.compile(r"[0-9]+")
_X_AFTER = re.compile(r"[" + re.escape(SEPARATOR_CHARS) + r"]{0,3}X")
_ESCAPE = re.compile(r"\\(?:U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrt])")
_SEP = "[" + re.escape(SEPARATOR_CHARS) + "]{0,3}"
_CASE_NUMBER = re.compile(r"Z" + _SEP + "J" + _SEP + "(?:[0-9]" + _SEP + "){15}[0-9]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")

PROVINCE_CODES: Final = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91",
})
"""First two digits of a resident ID number: the provinces, Hong Kong/Macao/Taiwan residence permits (81-83)
and foreigners' permanent residence ID cards (91)."""

ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS: Final = "10X98765432"
MAX_DIGITS: Final = 19
"""The longest number read here: a 19-digit bank card."""


@dataclass(frozen=True)
class PersonalNumber:
    """A personal number found in a text: its kind, where it stands, and its masked form."""

    kind: str
    start: int
    end: int
    masked: str

    def __repr__(self) -> str:  # never the number itself
        return f"PersonalNumber({self.kind!r}, {self.start}, {self.end}, {self.masked!r})"


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1850, 1, 1) <= born <= dt.date.today()


def is_id_number(value: str) -> bool:
    """An 18-character resident ID number: province code, real birth date, right check character."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    return (value[:2] in PROVINCE_CODES and _real_date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
            and id_check_char(value[:17]) == value[17])


def is_old_id_number(value: str) -> bool:
    """A 15-digit first-generation ID number: province code and a real birth date (19YYMMDD); no check digit."""
    return (len(value) == 15 and value.isdigit() and value[:2] in PROVINCE_CODES
            and _real_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])))


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check that bank-card numbers pass."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mobile_part(digits: str) -> str | None:
    """The 11-digit mobile number in ``digits`` (itself, or after an 86 / 0086 country code), else None."""
    for prefix in ("", "86", "0086"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and _MOBILE.fullmatch(rest):
            return rest
    return None


STRUCTURED: Final = frozenset({ID_NUMBER, OLD_ID_NUMBER, MOBILE})
"""Kinds with a structure of their own, read before bank cards (whose only test is Luhn's)."""
ALL_KINDS: Final = STRUCTURED | {BANK_CARD}


def classify(value: str, kinds: frozenset[str] = ALL_KINDS) -> tuple[str, str] | None:
    """The kind and masked form of a number written without separators (an ID number may end in X)."""
    if value.endswith("X"):
        return (ID_NUMBER, value[:6] + "*" * 12) if ID_NUMBER in kinds and is_id_number(value) else None
    mobile = _mobile_part(value) if MOBILE in kinds else None
    if mobile is not None:
        return MOBILE, ("+86 " if len(value) > 11 else "") + mobile[:3] + "*" * 8
    if ID_NUMBER in kinds and is_id_number(value):
        return ID_NUMBER, value[:6] + "*" * 12
    if OLD_ID_NUMBER in kinds and is_old_id_number(value):
        return OLD_ID_NUMBER, value[:6] + "*" * 9
    if BANK_CARD in kinds and 16 <= len(value) <= MAX_DIGITS and value.strip("0") and luhn_ok(value):
        return BANK_CARD, "****" + value[-4:]
    return None


def neutral(text: str) -> str:
    """The text as it is searched: folded (same length) and with repr/JSON escapes blanked out (``\\u53f7``)."""
    chars = list(fold(text))
    for escape in _ESCAPE.finditer(text):  # found in the original text: folding upper-cases the u of \\u
        chars[escape.start():escape.end()] = "#" * (escape.end() - escape.start())
    return "".join(chars)


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def case_number_spans(text: str) -> list[tuple[int, int]]:
    """Where case numbers stand in ``text``, typed with or without separators (ZJ 2026 3301 0600 0101)."""
    return [m.span() for m in _CASE_NUMBER.finditer(neutral(text))]


def find_personal_numbers(text: str) -> list[PersonalNumber]:
    """ID, mobile and bank-card numbers in ``text``, in order, with offsets into ``text``."""
    searched = neutral(text)
    if not any(c.isdigit() for c in searched):
        return []
    case_numbers = case_number_spans(text)
    found: list[PersonalNumber] = []
    for run in _RUN.finditer(searched):
        for start, end in _outside(run.start(), run.end(), case_numbers):
            digits = _RUN.search(searched, start, end)  # the part of the run left, without its separators
            if digits is not None:
                found += _read_run(searched, digits.start(), digits.end())
    return found


def _outside(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces of [start, end) that no span covers: a case number is no personal number, but a mobile number
    typed after it with a space (ZJ2026330106000101 13800002481) is one."""
    pieces, position = [], start
    for span_start, span_end in sorted(spans):
        if span_end <= position or span_start >= end:
            continue
        if span_start > position:
            pieces.append((position, span_start))
        position = max(position, span_end)
    if position < end:
        pieces.append((position, end))
    return pieces


@dataclass(frozen=True)
class _Run:
    """One run of digit groups and what touches its ends."""

    groups: list[tuple[int, int]]
    glued_before: bool
    glued_after: bool
    x_end: int | None
    """Where a trailing X ends, when the run is followed by one (an ID number's check character)."""


def _read_run(searched: str, start: int, end: int) -> list[PersonalNumber]:
    """The numbers in one run of digit groups: first ID and mobile numbers, then bank cards in what is left.

    Within each pass, from the left, the longest join of consecutive groups that is a valid number wins.
    Reading the structured kinds first keeps a date and a phone number written side by side
    (``2026-03-05 13812345678``) from passing as one 19-digit card.
    """
    x_after = _X_AFTER.match(searched, end)
    run = _Run(
        groups=[m.span() for m in _GROUP.finditer(searched, start, end)],
        glued_before=_ascii_alnum(searched[start - 1:start]),
        glued_after=_ascii_alnum(searched[end:end + 1]),
        x_end=x_after.end() if x_after and not _ascii_alnum(searched[x_after.end():x_after.end() + 1]) else None,
    )
    picked = _pick(searched, run, 0, len(run.groups), STRUCTURED)
    taken = {k for _, first, last in picked for k in range(first, last + 1)}
    lo = 0
    while lo < len(run.groups):
        if lo in taken:
            lo += 1
            continue
        hi = next((k for k in range(lo, len(run.groups)) if k in taken), len(run.groups))
        picked += _pick(searched, run, lo, hi, frozenset({BANK_CARD}))
        lo = hi
    return sorted((number for number, _, _ in picked), key=lambda n: n.start)


def _pick(searched: str, run: _Run, lo: int, hi: int,
          kinds: frozenset[str]) -> list[tuple[PersonalNumber, int, int]]:
    """Numbers of ``kinds`` made of whole groups ``lo``..``hi - 1``, with the first and last group of each."""
    groups = run.groups
    found: list[tuple[PersonalNumber, int, int]] = []
    i = lo
    while i < hi:
        best: tuple[PersonalNumber, int, int] | None = None
        digits = ""
        for j in range(i, hi):
            digits += searched[groups[j][0]:groups[j][1]]
            if len(digits) > MAX_DIGITS or (i == 0 and run.glued_before):
                break
            last = j == len(groups) - 1
            if last and run.x_end is not None and len(digits) == 17:
                hit = classify(digits + "X", kinds)
                if hit is not None:
                    best = (PersonalNumber(hit[0], groups[i][0], run.x_end, hit[1]), i, j)
                continue
            if last and run.glued_after:
                continue
            hit = classify(digits, kinds)
            if hit is not None:
                begin = groups[i][0]
                if hit[0] == MOBILE and len(digits) > 11 and searched[begin - 1:begin] == "+":
                    begin -= 1
                best = (PersonalNumber(hit[0], begin, groups[j][1], hit[1]), i, j)
        if best is None:
            i += 1
        else:
            found.append(best)
            i = best[2] + 1
    return found


MASKED: Final = re.compile(r"(?:\+86 )?[0-9]*\*{4,}[0-9]*")
"""A number as `mask` or `mask_cued_factors` leaves it: ``330106************``, ``138********``, ``****1234``,
the ``****`` of ``尾号****``."""


def mask(text: str) -> str:
    """``text`` with every ID, mobile and bank-card number replaced by its masked form (see the module doc)."""
    pieces: list[str] = []
    position = 0
    for number in find_personal_numbers(text):
        pieces += [text[position:number.start], number.masked]
        position = number.end
    return "".join(pieces) + text[position:]


FACTOR_CUES: Final = ("尾号", "尾数", "后四位", "后4位", "末四位", "末4位", "后四个", "后4个",
                      "查询码", "验证码", "查询号")
_CUED_FACTOR = re.compile("(?:" + "|".join(FACTOR_CUES) + r")[^0-9A-Za-z]{0,6}?"
                          r"(?<![0-9A-Za-z])(?P<value>[0-9]{4}|[0-9A-Z]{8})(?![0-9A-Za-z])")


def mask_cued_factors(text: str) -> str:
    """Verification factors named by a cue word (尾号1234, 查询码：K7M3Q9TX) replaced by ``*``.

    A cheap stand-in for `bot.privacy.protect`'s sealing, for text that is only logged: no spaCy, no
    vault, and nothing to read back.
    """
    searched = neutral(text)
    for match in reversed(list(_CUED_FACTOR.finditer(searched))):
        start, end = match.span("value")
        text = text[:start] + "*" * (end - start) + text[end:]
    return text
