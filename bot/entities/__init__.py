"""Entities from one source: districts, case numbers, phone tails, query codes, ages, dates and ordinals.

`extract(text)` returns `Entity(kind, value, start, end, text)` records with canonical values (see
`bot.entities.kinds`). Everything that reads these things from a message goes through it: the Rasa
NLU component (`bot.entities.rasa_component`), `bot.dialogue.places.find_place`, and
`bot.cases.find_case_number` / `parse_verification`.

- `kinds`: the kinds and the `Entity` record;
- `formats`: the canonical case-number, phone-tail and query-code patterns and text folding;
- `rules`: the fixed-format spaCy patterns and the checks and values of what they match;
- `places`: the district patterns generated from knowledge/places.yml (`python -m bot knowledge build`);
- `extractor`: spaCy's blank Chinese pipeline with one EntityRuler holding both;
- `report`: precision and recall per kind on a labelled TSV (`python -m bot entities report FILE`).

Importing this package does no work; spaCy is loaded when the first message is read.
"""

from bot.entities.extractor import EntityExtractor, default_extractor, extract
from bot.entities.formats import CASE_NUMBER_PATTERN, PHONE_LAST4_PATTERN, QUERY_CODE_PATTERN
from bot.entities.kinds import (
    AGE,
    CASE_NUMBER,
    DATE,
    DISTRICT,
    KINDS,
    ORDINAL,
    PHONE_LAST4,
    QUERY_CODE,
    RASA_KINDS,
    Entity,
)

__all__ = [
    "AGE",
    "CASE_NUMBER",
    "CASE_NUMBER_PATTERN",
    "DATE",
    "DISTRICT",
    "KINDS",
    "ORDINAL",
    "PHONE_LAST4",
    "PHONE_LAST4_PATTERN",
    "QUERY_CODE",
    "QUERY_CODE_PATTERN",
    "RASA_KINDS",
    "Entity",
    "EntityExtractor",
    "default_extractor",
    "extract",
]
