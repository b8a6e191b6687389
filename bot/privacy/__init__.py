"""Personal data kept out of the tracker store, the event broker and the logs.

- `protect(text, sender)`: what the edge (`bot.edge`) does to every citizen message before Rasa sees it:
  ID, mobile and bank-card numbers are masked for good (`masking`), verification factors are sealed in
  the vault and replaced by a placeholder (`factors`, `vault`, `placeholders`);
- `masking`: finding and masking personal numbers in free Chinese text;
- `without_personal_data(text)`: the text without personal data, typed or protected, for reading what the person
  wants (`bot.resolver`);
- `vault`: the encrypted, short-lived store of verification factors, read back once by the case lookup;
- `logfilter`: a logging filter (and `config/logging.yml`) that masks every log record and cuts long ones;
- `retention`: deleting conversations older than ``CONVERSATION_RETENTION_DAYS`` from the tracker store
  (``python -m bot privacy purge``).

Importing this package does no work: the entity extractor and the vault are opened on first use.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from bot.privacy.masking import MASKED, mask
from bot.privacy.placeholders import PLACEHOLDER_RE

if TYPE_CHECKING:
    from bot.privacy.vault import Vault

__all__ = ["mask", "protect", "without_personal_data"]


def protect(text: str, sender: str, *, expect: Collection[str] = (), vault: Vault | None = None) -> str:
    """The message as it may be stored and logged: personal numbers masked, verification factors sealed.

    ``sender`` is the conversation's sender id: only that sender can have a sealed factor read back.
    ``expect`` may name the factor kinds the assistant has just asked for (a bare "5803，谢谢" then
    counts, see `bot.entities`). Idempotent: a protected text comes back unchanged. Raises when the vault
    cannot be written (the caller then must not pass the message on). A mobile number sent alone keeps only its
    last four digits, sealed as a phone tail (see `factors.tail_of_a_lone_mobile`).
    """
    from bot.privacy.factors import seal_factors, tail_of_a_lone_mobile

    return seal_factors(mask(tail_of_a_lone_mobile(text)), sender, expect, vault)


# A masked number with the word that labels it right before (身份证号, 号码是, 手机号：): once the number is gone the
# label says nothing, and 号 alone is a word no affair uses. 尾号 and 账号 stay whole: words of their own.
_LABELLED_MASKED = re.compile(r"(?:(?<![尾账])号码?(?:是|为)?[:：]?\s*)?" + MASKED.pattern)


def without_personal_data(text: str) -> str:
    """``text`` without the personal data the edge protects: ID, mobile and bank-card numbers, whether typed or
    masked, with the 号 or 号码 that labels them, and the placeholders of sealed factors.

    They say nothing about what the person wants, and their digits, stars and random letters are words no affair
    uses: 我身份证号330106************丢了 is read as 我身份证丢了, and so is the number typed out (a hotline agent's
    search in the console passes no edge).
    """
    return _LABELLED_MASKED.sub("", mask(PLACEHOLDER_RE.sub("", text)))
