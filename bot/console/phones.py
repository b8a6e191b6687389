"""Callback phone numbers: read, shown masked (138****5678), kept encrypted with the vault's Fernet key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from bot.console.errors import BadInput
from bot.entities.formats import fold

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code and number: 0571 8888 8888
BAD_PHONE = "请留下正确的回电号码：11 位手机号，或带区号的固定电话（如 0571-88888888）。"


def normalize_phone(text: str) -> str:
    """The digits of a mainland mobile or landline number (``+86``, spaces and dashes allowed); BadInput otherwise."""
    digits = re.sub(r"[\s\-()（）]", "", fold(text or ""))
    digits = re.sub(r"^(\+86|0086)", "", digits)
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise BadInput(BAD_PHONE)


# a landline written in a sentence: area code, perhaps a dash or space, and the number (0571-88888888)
_LANDLINE_IN_TEXT = re.compile(r"(?<![0-9])0[0-9]{2,3}[\s-]?[0-9]{7,8}(?![0-9])")


def find_callback_number(text: str) -> str | None:
    """The digits of the one mobile or landline number a message gives to be called back on; None when it gives
    none, or a case number (a message about an application is no message to leave)."""
    from bot.privacy.masking import MOBILE, case_number_spans, find_personal_numbers

    folded = fold(text or "")
    if case_number_spans(folded):
        return None
    mobiles = [n for n in find_personal_numbers(folded) if n.kind == MOBILE]
    spans = [folded[n.start:n.end] for n in mobiles] or _LANDLINE_IN_TEXT.findall(folded)
    if len(spans) != 1:
        return None
    try:
        return normalize_phone(re.sub(r"[^0-9+]", "", spans[0]))
    except BadInput:
        return None


def mask_phone(digits: str) -> str:
    """138****5678 for a mobile number, 0571****8888 for a landline: enough to recognise, not to dial."""
    if _MOBILE.match(digits):
        return digits[:3] + "****" + digits[-4:]
    return digits[:4] + "****" + digits[-4:]


@dataclass(frozen=True)
class PhoneBox:
    """Encrypts and decrypts callback numbers with a Fernet key (`bot.privacy.vault.vault_key()` by default)."""

    key: bytes

    def seal(self, digits: str) -> str:
        """The encrypted number (ASCII)."""
        return Fernet(self.key).encrypt(digits.encode()).decode("ascii")

    def open(self, cipher: str) -> str | None:
        """The number, or None when the key changed since it was stored."""
        try:
            return Fernet(self.key).decrypt(cipher.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


def default_box() -> PhoneBox:
    """The box under the project's vault key (``ONEVISIT_VAULT_KEY`` or var/vault.key)."""
    from bot.privacy.vault import vault_key

    return PhoneBox(vault_key())
