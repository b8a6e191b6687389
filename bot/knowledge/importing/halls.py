"""Merging the halls of an export into offices/<city>.yml: matched by name, new ones added to their city's file."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.knowledge.importing import yamlio
from bot.knowledge.importing.diff import compare
from bot.knowledge.importing.plan import (
    NEW,
    UNCHANGED,
    UPDATED,
    KnowledgeFile,
    Outcome,
    Plan,
    display,
    facts_changed,
    places,
    read_file,
    slug,
    undo_check,
)
from bot.knowledge.importing.records import HallImport, Mapped
from bot.knowledge.importing.yamlio import flow, put
from bot.knowledge.source import plain


class _OfficeIndex:
    """Existing halls by name and id, and which file holds each city's halls."""

    def __init__(self, files: list[KnowledgeFile], divisions: dict[str, dict[str, Any]]):
        self.files = files
        self.places = divisions
        self.by_name: dict[str, tuple[KnowledgeFile, CommentedMap]] = {}
        self.ids: set[str] = set()
        self.city_files: dict[str, KnowledgeFile] = {}
        self.prefixes: dict[Path, str] = {}
        for f in files:
            offices = (f.data or {}).get("offices") or []
            heads = Counter(str(o.get("id", "")).split("-")[0] for o in offices)
            if heads:
                self.prefixes[f.path] = heads.most_common(1)[0][0]
            for office in offices:
                self.by_name.setdefault(str(office.get("name")), (f, office))
                self.ids.add(str(office.get("id")))
                city = divisions.get(str(office.get("place")), {}).get("city")
                if city:
                    self.city_files.setdefault(city, f)

    def file_for(self, place: str, root: Path) -> KnowledgeFile:
        """The offices file of the place's city, created (empty) when the city has none yet."""
        city = self.places.get(place, {}).get("city", place[:4] + "00")
        if city not in self.city_files:
            from pypinyin import Style, lazy_pinyin

            name = self.places.get(city, {}).get("name", city).removesuffix("市")
            path = root / "offices" / f"{''.join(lazy_pinyin(name)) or city}.yml"
            data = CommentedMap({"offices": CommentedSeq()})
            data.yaml_set_start_comment(f"{self.places.get(city, {}).get('name', city)}办事大厅。")
            new = KnowledgeFile(path, "", data, yamlio.OFFICE_LAYOUT)
            self.prefixes[path] = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)) or "zj"
            self.files.append(new)
            self.city_files[city] = new
        return self.city_files[city]

    def new_id(self, hall: HallImport, file: KnowledgeFile) -> str:
        prefix = self.prefixes.get(file.path, "zj")
        tail = slug(hall.code) if hall.code else f"{hall.record['place']}-{hall.record['kind']}"
        candidate = f"{prefix}-{tail}"
        number = 1
        while candidate in self.ids:
            number += 1
            candidate = f"{prefix}-{tail}-{number}"
        self.ids.add(candidate)
        return candidate


NULLABLE = ("address", "hours", "phone")  # required in a hall, null when not on record
HALL_ORDER = ("id", "name", "kind", "also_kinds", "place", "also_places", "address", "window", "hours", "phone",
              "booking", "location", "verified", "source")


def plan_halls(plan: Plan, mapped: Mapped, root: Path) -> None:
    """Add to `plan` what the export's halls change in offices/<city>.yml."""
    files = [read_file(p, root, yamlio.OFFICE_LAYOUT) for p in sorted((root / "offices").glob("*.yml"))]
    index = _OfficeIndex(files, places(root))
    touched: dict[Path, KnowledgeFile] = {}
    for hall in mapped.halls:
        found = index.by_name.get(hall.record["name"])
        if found is None and hall.code:
            found = next(((f, o) for f in index.files for o in (f.data or {}).get("offices") or []
                          if str(o.get("id")).endswith("-" + slug(hall.code))), None)
        if found is None:
            file = index.file_for(hall.record["place"], root)
            office = CommentedMap()
            office["id"] = index.new_id(hall, file)
            _fill_hall(office, hall.record)
            file.data["offices"].append(office)
            index.by_name[hall.record["name"]] = (file, office)
            plan.outcomes.append(Outcome("大厅", office["id"], hall.record["name"], display(file.path, root), NEW,
                                         "新建", compare({}, plain(office)), [], list(hall.warnings)))
            touched[file.path] = file
            continue
        file, office = found
        before = plain(copy.deepcopy(office))
        _fill_hall(office, hall.record)
        warnings = list(hall.warnings)
        if facts_changed(before, plain(office)) and undo_check(office):
            warnings.append("导入改变了已核对的大厅信息：已改为 verified: false 并删去核对日期和核对人，请重新核对")
        changes = compare(before, plain(office))
        kept = ["窗口（window）"] if office.get("window") else []
        plan.outcomes.append(Outcome("大厅", str(office.get("id")), hall.record["name"], display(file.path, root),
                                     UPDATED if changes else UNCHANGED, "大厅名称", changes, kept, warnings))
        if changes:
            touched[file.path] = file
    for path, file in touched.items():
        plan.writes[path] = yamlio.dump(file.data, file.layout)


def _fill_hall(office: CommentedMap, record: dict[str, Any]) -> None:
    """Put the hall's imported fields into an office mapping, each after the field it follows.

    A new hall is unverified; an existing one keeps its `verified` (plan_halls undoes it when facts change).
    """
    value = dict(record)
    if "location" in value:
        location = CommentedMap(value["location"])
        location.fa.set_flow_style()
        value["location"] = location
    for key in ("also_kinds", "also_places"):
        if key in value:
            value[key] = flow(value[key])
    for position, key in enumerate(HALL_ORDER):
        if key in ("id", "window") or (key == "verified" and key in office):
            continue
        earlier = tuple(reversed(HALL_ORDER[:position]))
        put(office, key, value.get(key), after=earlier, keep_null=key in NULLABLE)
