"""Verification factors in a citizen's message, replaced by vault placeholders (`bot.privacy.vault`).

The factors are found by the project's own entity extractor (`bot.entities.extract`), the same that the
case dialogue reads them with: a phone tail (尾号1234) or a receipt query code (查询码 K7M3Q9TX). A
4-digit group next to a mask (the last four of a masked bank card, ``****0128``) and anything inside a
placeholder are no factors.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.entities import PHONE_LAST4, QUERY_CODE, Entity
from bot.privacy.placeholders import find_placeholders
from bot.privacy.vault import Vault, default_vault

FACTOR_KINDS = (PHONE_LAST4, QUERY_CODE)


def _could_hold_factor(text: str) -> bool:
    """Cheap test before spaCy: a factor has at least four ASCII (or full-width) letters or digits."""
    return sum(1 for c in text if c.isalnum() and (c.isascii() or "\uff10" <= c <= "\uff5a")) >= 4


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
