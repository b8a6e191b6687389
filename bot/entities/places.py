"""District patterns: generated from knowledge/places.yml, read back by the extractor.

`python -m bot knowledge build` writes `data/entities/patterns.jsonl`: a first line saying the file is
generated (JSON Lines has no comments), then one EntityRuler phrase pattern a line, carrying the
place it names::

    {"label": "district", "pattern": "余杭", "id": "330110", "name": "余杭区", "city": "330100"}

The names of a place are its official name, the name without its suffix (市, 区, 县, 自治县) when at
least two characters remain, and its aliases. `city` is the code of the city a county belongs to
(a city's own code for a city).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.entities.kinds import DISTRICT

PATTERNS_FILE: Final = Path("data/entities/patterns.jsonl")
"""The generated district patterns, relative to the project root."""

GENERATED_BY: Final = "python -m bot knowledge build"
_SUFFIXES: Final = ("自治县", "市", "区", "县")


@dataclass(frozen=True)
class PlacePattern:
    """One way of naming a place: the words typed and the place they mean."""

    pattern: str
    code: str
    name: str
    city: str

    @property
    def is_city(self) -> bool:
        """A city (设区市) rather than a county."""
        return self.code == self.city


def short_place_name(name: str) -> str | None:
    """The name without its suffix (余杭区 → 余杭), when at least two characters remain."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def place_patterns(places: dict[str, Any]) -> list[PlacePattern]:
    """Every name of every city and county in the places data (the parsed knowledge/places.yml).

    An official name or alias that two places share is a knowledge error and raises ValueError; a
    short name that collides with another place's name is left out.
    """
    explicit: dict[str, PlacePattern] = {}
    short: dict[str, PlacePattern] = {}
    for city in places.get("cities") or []:
        for item in [city, *(city.get("counties") or [])]:
            code, name = str(item["code"]), str(item["name"])
            for word in [name, *(item.get("aliases") or [])]:
                entry = PlacePattern(str(word), code, name, str(city["code"]))
                if explicit.get(entry.pattern, entry).code != code:
                    raise ValueError(f"{entry.pattern} names both {explicit[entry.pattern].name} and {name}")
                explicit[entry.pattern] = entry
            stripped = short_place_name(name)
            if stripped:
                short.setdefault(stripped, PlacePattern(stripped, code, name, str(city["code"])))
    merged = {**{k: v for k, v in short.items() if k not in explicit}, **explicit}
    return sorted(merged.values(), key=lambda p: (p.code, len(p.pattern), p.pattern))


def patterns_jsonl(places: dict[str, Any], note: str) -> str:
    """The content of the generated patterns file; `note` is the "do not edit" sentence of the first line."""
    header = {"generated_by": GENERATED_BY, "source": "knowledge/places.yml", "note": note}
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [json.dumps({"label": DISTRICT, "pattern": p.pattern, "id": p.code, "name": p.name, "city": p.city},
                         ensure_ascii=False) for p in place_patterns(places)]
    return "\n".join(lines) + "\n"


def read_patterns(path: Path) -> list[PlacePattern]:
    """The place patterns in a generated file (its first line, the header, is checked and skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or json.loads(lines[0]).get("generated_by") != GENERATED_BY:
        raise ValueError(f"{path} is not a generated patterns file; run {GENERATED_BY}")
    return list(_entries(json.loads(line) for line in lines[1:] if line.strip()))


def _entries(rows: Iterable[dict[str, Any]]) -> Iterable[PlacePattern]:
    for row in rows:
        if row.get("label") == DISTRICT:
            yield PlacePattern(row["pattern"], row["id"], row["name"], row["city"])
