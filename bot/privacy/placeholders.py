"""The placeholder that stands in a message for a sealed verification factor: ``〔已加密的查询码#k3F9xQ2mZ7aB〕``.

The token is 12 random ASCII letters and digits. Being 12 characters long and written without
separators, no part of it reads as a 4-digit phone tail or an 8-character query code to the entity
extractor (every 4- or 8-character window touches another letter or digit), nor as a personal number
to `bot.privacy.masking`; so protecting a protected text again changes nothing.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Final

from bot.entities.kinds import PHONE_LAST4, QUERY_CODE

LABELS: Final[dict[str, str]] = {PHONE_LAST4: "手机尾号", QUERY_CODE: "查询码"}
"""The sealed kinds and how their placeholder names them."""

KINDS_BY_LABEL: Final[dict[str, str]] = {label: kind for kind, label in LABELS.items()}
TOKEN_LENGTH: Final = 12
TOKEN_ALPHABET: Final = string.ascii_letters + string.digits
PLACEHOLDER_RE: Final = re.compile(
    "〔已加密的(?P<label>" + "|".join(LABELS.values()) + f")#(?P<token>[A-Za-z0-9]{{{TOKEN_LENGTH}}})〕")


@dataclass(frozen=True)
class Placeholder:
    """A placeholder found in a text: the sealed kind, the vault token, and where it stands."""

    kind: str
    token: str
    start: int
    end: int

    @property
    def text(self) -> str:
        """The placeholder as written."""
        return placeholder(self.kind, self.token)


def new_token() -> str:
    """A fresh random token (about 71 bits)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def placeholder(kind: str, token: str) -> str:
    """The placeholder text for a sealed value of ``kind``."""
    return f"〔已加密的{LABELS[kind]}#{token}〕"


def find_placeholders(text: str) -> list[Placeholder]:
    """Every placeholder in ``text``, in order."""
    return [Placeholder(KINDS_BY_LABEL[m.group("label")], m.group("token"), m.start(), m.end())
            for m in PLACEHOLDER_RE.finditer(text)]
