"""Numbers written in Chinese or in digits (十六, 二十三, 两, 二〇二六, 16) and the dates built from them."""

from __future__ import annotations

import calendar
from typing import Final

CN_DIGITS: Final[dict[str, int]] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                                    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS: Final[dict[str, int]] = {"十": 10, "百": 100}
NUMERAL_CHARS: Final[tuple[str, ...]] = tuple("0123456789") + tuple(CN_DIGITS) + tuple(CN_UNITS)
"""Every character that can be part of a number."""


def in_chinese(number: int) -> str:
    """A number from 0 to 999 as it is said in Chinese: 16 → 十六, 20 → 二十, 105 → 一百零五, 110 → 一百一十
    (digits kept from 1000 on)."""
    digits = "零一二三四五六七八九"
    if number < 0 or number > 999:
        return str(number)
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    if number < 100:
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(number, 100)
    if not rest:
        return digits[hundreds] + "百"
    if rest < 10:
        return digits[hundreds] + "百零" + digits[rest]
    return digits[hundreds] + "百" + ("一" if rest < 20 else "") + in_chinese(rest)


def parse_number(text: str) -> int | None:
    """The integer written in `text`: ASCII digits, or Chinese numerals up to 999; None when it is no number.

    ``16`` → 16, ``十六`` → 16, ``二十`` → 20, ``一百零五`` → 105, ``二〇二六`` → 2026 (digit by digit,
    as years are read). Mixed or malformed text (``1十``, ``十十``, ``三二十``) gives None.
    """
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    if any(c not in CN_DIGITS and c not in CN_UNITS for c in text):
        return None
    if not any(c in CN_UNITS for c in text):
        if len(text) > 1 and "两" in text:
            return None
        value = 0
        for char in text:
            value = value * 10 + CN_DIGITS[char]
        return value
    total, digit, last_unit = 0, None, 1000
    for char in text:
        if char in CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row: 三二十
            digit = CN_DIGITS[char]
        else:
            unit = CN_UNITS[char]
            if unit >= last_unit or digit == 0:
                return None  # 十十, 零十
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def _valid_day(year: int | None, month: int, day: int) -> bool:
    """Whether `day` exists in `month` (of `year`, or of a leap year when the year is not given)."""
    return 1 <= day <= calendar.monthrange(year or 2024, month)[1]


def date_value(year: str | None, month: str | None, day: str | None) -> str | None:
    """The ISO text of a written date, or None when a part is out of range.

    Year, month and day are the written parts (digits or Chinese numerals) or None when not given:
    ``2026-03-05``, ``2026-03``, ``2026``, ``--03-05`` (no year) and ``--03`` (a month alone).
    """
    if any(part is not None and "两" in part for part in (month, day)):
        return None  # 两月 is "two months", not February
    y = parse_number(year) if year is not None else None
    m = parse_number(month) if month is not None else None
    d = parse_number(day) if day is not None else None
    if year is not None and (y is None or not 1900 <= y <= 2100 or len(year) != 4):
        return None
    if month is not None and (m is None or not 1 <= m <= 12):
        return None
    if day is not None and (d is None or m is None or not _valid_day(y, m, d)):
        return None
    if y is not None and m is not None and d is not None:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if y is not None and m is not None:
        return f"{y:04d}-{m:02d}"
    if y is not None and month is None and day is None:
        return f"{y:04d}"
    if m is not None and d is not None:
        return f"--{m:02d}-{d:02d}"
    if m is not None and day is None:
        return f"--{m:02d}"
    return None
