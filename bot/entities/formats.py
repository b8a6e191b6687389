"""Fixed-format identifiers: the canonical patterns, written once, and text normalisation.

A case number (办件编号) is ``ZJ`` + the 4-digit year of application + the 6-digit administrative
division code of the accepting office (浙江: 33xxxx) + a 6-digit serial number, 18 characters,
for example ``ZJ2026330106000101``. The verification factor is the last four digits of the
applicant's phone, or the 8-character query code (查询码) printed on the receipt: capital letters
and digits without the look-alikes 0, 1, I and O (``K7M3Q9TX``).

These regular expressions are the single definition: `bot.cases`, the reference backend, the
OpenAPI contract (checked by tests/backend/test_backend_openapi.py) and the spaCy token patterns
(`char_token_patterns`) all derive from them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

CASE_NUMBER_PATTERN: Final = r"^ZJ20[0-9]{2}33[0-9]{4}[0-9]{6}$"
"""The canonical case-number format; the same pattern is in backend/openapi.yml."""

PHONE_LAST4_PATTERN: Final = r"^[0-9]{4}$"
QUERY_CODE_PATTERN: Final = r"^[A-HJ-NP-Z2-9]{8}$"

SEPARATORS: Final = " -_—–·.\t\u3000"
"""Characters people put inside a long number (``ZJ 2026-330106-000101``), after normalisation."""

_SEPARATOR_TOKEN: Final = "^[" + re.escape(SEPARATORS) + r"\s]+$"
_ATOM = re.compile(r"(\[[^\]]+\]|[A-Za-z0-9])(?:\{([0-9]+)\})?")


def fold_char(char: str) -> str:
    """One character normalised for matching: NFKC (full-width to half-width) and upper case.

    A character whose normalised form is not exactly one character (``…``, ``㈠``) is kept as it
    is, so the folded text has the same length and offsets as the original.
    """
    folded = unicodedata.normalize("NFKC", char).upper()
    return folded if len(folded) == 1 else char


def fold(text: str) -> str:
    """The text normalised character by character (see `fold_char`); same length as `text`."""
    return "".join(fold_char(c) for c in text)


def compact(text: str) -> str:
    """Folded text without separators: what a typed identifier means (`` zj 2026-3301 `` → ``ZJ20263301``)."""
    return "".join(c for c in fold(text) if c not in SEPARATORS and not c.isspace())


def char_token_patterns(pattern: str, *, separators: bool) -> list[dict[str, Any]]:
    """A spaCy token pattern, one token a character, equivalent to an anchored regex such as ``^ZJ20[0-9]{2}$``.

    Only the subset the canonical patterns use is understood: literal letters and digits and
    character classes, each optionally repeated ``{n}`` times. With `separators`, a separator
    token (``-``, ``_``, a space) may stand between any two characters; spaces that spaCy keeps as
    token whitespace are crossed in any case, unless `separators` is false, when every character
    but the last must be written without a space after it.
    """
    body = pattern.removeprefix("^").removesuffix("$")
    atoms: list[str] = []
    position = 0
    for match in _ATOM.finditer(body):
        if match.start() != position:
            raise ValueError(f"unsupported regex syntax in {pattern!r} at {position}")
        atoms += [match.group(1)] * int(match.group(2) or 1)
        position = match.end()
    if position != len(body) or not atoms:
        raise ValueError(f"unsupported regex syntax in {pattern!r} at {position}")
    tokens: list[dict[str, Any]] = []
    for index, atom in enumerate(atoms):
        token: dict[str, Any] = {"TEXT": {"REGEX": f"^{atom}$"}} if atom.startswith("[") else {"TEXT": atom}
        last = index == len(atoms) - 1
        if not separators and not last:
            token["SPACY"] = False
        tokens.append(token)
        if separators and not last:
            tokens.append({"TEXT": {"REGEX": _SEPARATOR_TOKEN}, "OP": "*"})
    return tokens
