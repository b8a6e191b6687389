"""The outcome of an import before anything is written, and reading the knowledge it applies to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from bot.knowledge.importing import yamlio
from bot.knowledge.importing.diff import FieldChange
from bot.knowledge.importing.official import ExportError, ExportProblem
from bot.knowledge.source import plain

UNCHANGED, UPDATED, NEW = "unchanged", "updated", "added"
# what an import may change without undoing a check: its own account of where the facts come from
PROVENANCE = ("source", "official", "verified", "checked", "checked_by", "source_url")


@dataclass
class Outcome:
    """What the import does to one affair or hall."""

    what: str  # 事项 or 大厅
    id: str
    name: str
    file: str  # as shown, e.g. knowledge/affairs/passport.yml
    status: str  # added / updated / unchanged
    matched_by: str  # 实施编码, 基本编码, 事项名称, 大厅名称, 大厅编码 or 新建
    changes: list[FieldChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """Every outcome, the new text of every file that changes, and remarks on the export as a whole."""

    outcomes: list[Outcome]
    writes: dict[Path, str]
    warnings: list[str] = field(default_factory=list)

    def of(self, what: str) -> list[Outcome]:
        """Outcomes for affairs (事项) or halls (大厅)."""
        return [o for o in self.outcomes if o.what == what]


def apply(plan: Plan) -> list[Path]:
    """Write every changed file; return their paths."""
    for path, text in plan.writes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(plan.writes)


# ---- reading the knowledge ----------------------------------------------------------------------------------------

@dataclass
class KnowledgeFile:
    """A knowledge YAML file: its text, round-trip data and list layout."""

    path: Path
    text: str
    data: Any
    layout: tuple[int, int]


def display(path: Path, root: Path) -> str:
    """A path as messages show it: from the knowledge folder's name on (knowledge/affairs/x.yml)."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_file(path: Path, root: Path, default_layout: tuple[int, int]) -> KnowledgeFile:
    """Parse one knowledge file for editing; a broken one stops the import (validate explains it)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yamlio.load(text)
    except (OSError, UnicodeDecodeError, YAMLError):
        message = "知识库文件无法读取或 YAML 有错：请先运行 python -m bot knowledge validate 修好再导入"
        raise ExportError([ExportProblem(display(path, root), message)]) from None
    return KnowledgeFile(path, text, data, yamlio.layout_of(text, default_layout))


def places(root: Path) -> dict[str, dict[str, Any]]:
    """Every place code with its name and city code, from places.yml."""
    source = root / "places.yml"
    if not source.exists():
        return {}
    data = plain(read_file(source, root, yamlio.AFFAIR_LAYOUT).data) or {}
    found = {}
    for city in data.get("cities") or []:
        for item in [city, *(city.get("counties") or [])]:
            found[str(item["code"])] = {"name": item.get("name", ""), "city": str(city["code"])}
    return found


def place_codes(root: Path) -> set[str]:
    """The division codes on record in `root`/places.yml."""
    return set(places(root))


def slug(text: str) -> str:
    """An id from a code: ASCII lowercase letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def facts_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether anything but the provenance fields differs."""
    return ({k: v for k, v in before.items() if k not in PROVENANCE}
            != {k: v for k, v in after.items() if k not in PROVENANCE})


def undo_check(entry: Any) -> bool:
    """Make a checked entry unchecked (verified false, no check date or checker); True when it was checked."""
    if not entry.get("verified"):
        return False
    entry["verified"] = False
    for key in ("checked", "checked_by"):
        if key in entry:
            del entry[key]
    return True
