"""Verification factors in a citizen's message, replaced by vault placeholders (`bot.privacy.vault`).

The factors are found by the project's own entity extractor (`bot.entities.extract`), the same that the
case dialogue reads them with: a phone tail (尾号1234) or a receipt query code (查询码 K7M3Q9TX). A
4-digit group next to a mask (the last four of a masked bank card, ``****0128``) and anything inside a
placeholder are no factors.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.entities import PHONE_LAST4, QUERY_CODE, Entity
from bot.privacy.placeholders import find_placeholders
from bot.privacy.vault import Vault, default_vault

FACTOR_KINDS = (PHONE_LAST4, QUERY_CODE)


def _could_hold_factor(text: str) -> bool:
    """Cheap test before spaCy: a factor has at least four ASCII (or full-width) letters or digits."""
    return sum(1 for c in text if c.isalnum() and (c.isascii() or "\uff10" <= c <= "\uff5a")) >= 4


# what may stand around a mobile number sent alone, as a person asked for its last four digits sends it
# (手机号是13900005803, 我登记的电话：139 0000 5803，谢谢)
_PUNCTUATION = r"[\s,，。.:：!！~]*"
_AROUND_A_LONE_MOBILE = re.compile(
    _PUNCTUATION + r"(?:我的?|本人的?|登记的?|预留的?|留的|申请时(?:登记|留)?的?)*"
    r"(?:手机号码?|手机|电话号码?|联系电话|电话|号码)?(?:是|为)?" + _PUNCTUATION + r"(?:谢谢|好的)?" + _PUNCTUATION)


def tail_of_a_lone_mobile(text: str) -> str:
    """A message that is a mobile number alone, perhaps labelled (手机号是13900005803), or one mobile number beside
    a case number (ZJ2026330106000101 13800002481), with the number in its masked form and its last four digits
    written after it as a phone tail (手机号是139********，尾号5803), which `seal_factors` then seals: a person asked
    for the last four digits who sends the whole number is understood, and the rest of the number is never kept.
    Any other message comes back unchanged (a number given in passing, 身份证丢了，电话138…, says nothing about a
    lookup)."""
    from bot.privacy.masking import MOBILE, case_number_spans, find_personal_numbers, neutral

    numbers = find_personal_numbers(text)
    if len(numbers) != 1 or numbers[0].kind != MOBILE:
        return text
    number = numbers[0]
    alone = _AROUND_A_LONE_MOBILE.fullmatch(text[:number.start]) and \
        _AROUND_A_LONE_MOBILE.fullmatch(text[number.end:])
    if not (alone or case_number_spans(text)):
        return text
    tail = "".join(c for c in neutral(text[number.start:number.end]) if c.isdigit())[-4:]
    return f"{text[:number.start]}{number.masked}，尾号{tail}{text[number.end:]}"


def find_factors(text: str, expect: Collection[str] = ()) -> list[Entity]:
    """The phone tails and query codes in ``text`` (see `bot.entities.EntityExtractor.extract` for ``expect``)."""
    if not _could_hold_factor(text):
        return []
    from bot.entities import extract

    sealed = [(p.start, p.end) for p in find_placeholders(text)]
    return [e for e in extract(text, expect) if e.kind in FACTOR_KINDS
            and not any(start < e.end and e.start < end for start, end in sealed)
            and "*" not in text[e.start - 1:e.start] + text[e.end:e.end + 1]]


def seal_factors(text: str, sender: str, expect: Collection[str] = (), vault: Vault | None = None) -> str:
    """``text`` with each verification factor sealed in the vault for ``sender`` and replaced by its placeholder."""
    factors = find_factors(text, expect)
    if not factors:
        return text
    vault = vault or default_vault()
    for factor in reversed(factors):
        text = text[:factor.start] + vault.seal(str(factor.value), factor.kind, sender) + text[factor.end:]
    return text
