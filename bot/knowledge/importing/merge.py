"""Merging imported affairs into the knowledge YAML, keeping every hand-written part (halls: halls.py).

Existing files are edited in place through ruamel's round-trip containers, so comments, quoting and key order
survive; a file is rewritten only when its content changes, so importing the same export twice leaves every byte
as it was. What the export states replaces the same fields; situations, situation-conditioned (`when`), exempt
and bundle materials, implies, aliases, keywords, questions, scope, notes and phrasings are never touched.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.knowledge.importing import yamlio
from bot.knowledge.importing.diff import compare
from bot.knowledge.importing.halls import plan_halls
from bot.knowledge.importing.plan import (
    NEW,
    UNCHANGED,
    UPDATED,
    KnowledgeFile,
    Outcome,
    Plan,
    display,
    facts_changed,
    read_file,
    slug,
    undo_check,
)
from bot.knowledge.importing.records import (
    OWNED_PARTS,
    SAMPLE_SOURCE,
    AffairImport,
    Mapped,
    Provenance,
)
from bot.knowledge.importing.yamlio import flow, merge_parts, put, set_value
from bot.knowledge.source import plain

HAND_MARK = "；手工整理部分（情形问题、按情形的材料、别名和问法）："
IMPORT_PREFIXES = (SAMPLE_SOURCE, "依据政务服务事项实施清单导出数据整理")
MATERIAL_ORDER = ("name", "form", "count", "medium", "source", "notes")


# ---- the plan -----------------------------------------------------------------------------------------------------

def plan_import(mapped: Mapped, root: Path) -> Plan:
    """What importing `mapped` into the knowledge at `root` changes, without writing anything."""
    plan = Plan([], {}, list(mapped.warnings))
    affairs = [read_file(p, root, yamlio.AFFAIR_LAYOUT) for p in sorted((root / "affairs").glob("*.yml"))]
    _plan_affairs(plan, mapped, affairs, root)
    plan_halls(plan, mapped, root)
    return plan


class _AffairIndex:
    """Existing affairs by implementation code, basic code and name, and who owns each name and alias."""

    def __init__(self, files: list[KnowledgeFile]):
        self.by_id = {str(f.data.get("id")): f for f in files if isinstance(f.data, dict)}
        self.by_impl: dict[str, KnowledgeFile] = {}
        self.by_basic: dict[str, list[KnowledgeFile]] = {}
        self.by_name: dict[str, list[KnowledgeFile]] = {}
        self.phrases: dict[str, str] = {}
        for affair_id, f in self.by_id.items():
            official = f.data.get("official") or {}
            if official.get("implementation_code"):
                self.by_impl[str(official["implementation_code"])] = f
            for code in {str(official.get("basic_code") or ""), str(f.data.get("code") or "")} - {""}:
                self.by_basic.setdefault(code, []).append(f)
            self.by_name.setdefault(str(f.data.get("name")), []).append(f)
            for phrase in [f.data.get("name"), f.data.get("short_name"), *(f.data.get("aliases") or [])]:
                self.phrases.setdefault(str(phrase).strip(), affair_id)
        self.claimed: set[str] = set()

    def match(self, affair: AffairImport) -> tuple[KnowledgeFile | None, str]:
        """The existing affair this one is, and by what: 实施编码, then 基本编码, then exact 事项名称."""
        found = self.by_impl.get(affair.implementation_code)
        if found is not None:
            return found, "实施编码"
        for how, candidates in (("基本编码", self.by_basic.get(affair.basic_code, [])),
                                ("事项名称", self.by_name.get(affair.name, []))):
            if len(candidates) == 1:
                return candidates[0], how
        return None, "新建"


def _plan_affairs(plan: Plan, mapped: Mapped, files: list[KnowledgeFile], root: Path) -> None:
    index = _AffairIndex(files)
    for affair in mapped.affairs:
        found, how = index.match(affair)
        if found is not None and str(found.data.get("id")) in index.claimed:
            plan.warnings.append(f"{affair.row.where()}（{affair.name}）与前面一条对应同一个事项 "
                                 f"{found.data.get('id')}，已跳过：请检查导出数据是否重复")
            continue
        if found is None:
            outcome, text, path = _new_affair(affair, mapped.provenance, index, root)
        else:
            index.claimed.add(str(found.data.get("id")))
            outcome, text, path = _merged_affair(found, affair, how, root)
        plan.outcomes.append(outcome)
        if text is not None:
            plan.writes[path] = text


def _new_affair(affair: AffairImport, provenance: Provenance, index: _AffairIndex,
                root: Path) -> tuple[Outcome, str, Path]:
    owned, created = affair.owned, affair.created
    affair_id = slug(affair.implementation_code)
    while affair_id in index.by_id:
        affair_id += "-x"
    warnings = list(affair.warnings)
    taken = {p: o for p, o in index.phrases.items() if o != affair_id}
    for label, phrase in (("名称", owned["name"]), ("简称", created["short_name"])):
        if phrase in taken:
            warnings.append(f"{label}“{phrase}”已是事项 {taken[phrase]} 的名称、简称或别名：validate 会报错，"
                            "请改名或合并到那个事项")
    aliases = [a for a in created["aliases"] if a not in taken]
    skipped = [a for a in created["aliases"] if a in taken]
    if skipped:
        warnings.append(f"别名 {'、'.join(skipped)} 已属于其他事项，未采用")
    if len(aliases) < 2:
        warnings.append(f"只得到 {len(aliases)} 个别名（validate 要求至少 2 个）：请手工补充")
    if len(created["questions"]) < 3:
        warnings.append(f"常见问题只提供了 {len(created['questions'])} 条问法（validate 要求 questions 至少 3 条）："
                        "文件已写入，请手工补充群众的典型问法")
    doc = CommentedMap()
    doc["id"] = affair_id
    for key in ("code", "name"):
        doc[key] = owned[key]
    doc["short_name"] = created["short_name"]
    for key in ("department", "level", "type"):
        doc[key] = owned[key]
    doc["scope"] = created["scope"]
    doc["aliases"] = aliases
    doc["questions"] = created["questions"]
    if owned["faq"]:
        doc["faq"] = _faq(owned["faq"])
    doc["conditions"] = list(owned["conditions"])
    doc["office_kinds"] = flow(owned["office_kinds"])
    if "venue" in owned:
        doc["venue"] = dict(owned["venue"])
    doc["situations"] = []
    doc["materials"] = [_material_map(m) for m in owned["materials"]]
    doc["case_type"] = owned["case_type"]
    doc["time_limit"] = dict(owned["time_limit"])
    doc["fee"] = {"amount": owned["fee"]["amount"], **({"note": created["fee_note"]} if created["fee_note"] else {}),
                  **({"basis": owned["fee"]["basis"]} if "basis" in owned["fee"] else {})}
    doc["online"] = {**owned["online"], "how": created["online_how"]}
    doc["visits"] = owned["visits"]
    doc["post_delivery"] = owned.get("post_delivery", created["post_delivery"])
    for key in ("consult", "complaint"):
        if key in owned:
            doc[key] = owned[key]
    doc["legal_basis"] = list(owned.get("legal_basis", created["legal_basis"]))
    doc["official"] = dict(owned["official"])
    doc["source"] = owned["source"]
    doc["verified"] = False
    note = "样例导出数据（虚构，仅用于测试），不是真实办事指南。" if provenance.sample else ""
    doc.yaml_set_start_comment(f"{note}由 python -m bot knowledge import 从 {provenance.file} 导入；"
                               "情形问题、别名和典型问法可手工补充，核对后再标记 verified。")
    path = root / "affairs" / f"{affair_id}.yml"
    for phrase in [owned["name"], created["short_name"], *aliases]:
        index.phrases.setdefault(phrase, affair_id)
    index.by_id[affair_id] = KnowledgeFile(path, "", doc, yamlio.AFFAIR_LAYOUT)
    text = yamlio.dump(doc, yamlio.AFFAIR_LAYOUT)
    changes = compare({}, plain(doc))
    outcome = Outcome("事项", affair_id, owned["name"], display(path, root), NEW, "新建", changes, [], warnings)
    return outcome, text, path


def _merged_affair(found: KnowledgeFile, affair: AffairImport, how: str,
                   root: Path) -> tuple[Outcome, str | None, Path]:
    doc = found.data
    before = plain(copy.deepcopy(doc))
    owned = affair.owned
    warnings = list(affair.warnings)
    for key in ("code", "name", "department", "level", "type"):
        set_value(doc, key, owned[key])
    set_value(doc, "conditions", list(owned["conditions"]))
    kinds = [*(doc.get("office_kinds") or []), *(k for k in owned["office_kinds"] if k not in
                                                    (doc.get("office_kinds") or []))]
    set_value(doc, "office_kinds", flow(kinds))
    put(doc, "venue", owned.get("venue"), after=("office_kinds",))
    covered = _merge_materials(doc, owned["materials"])
    put(doc, "faq", _faq(owned["faq"]) if owned["faq"] else None, after=("questions", "keywords", "aliases"))
    put(doc, "case_type", owned["case_type"], before=("time_limit",))
    for key, parts in OWNED_PARTS.items():
        merge_parts(doc, key, owned[key], parts)
    set_value(doc, "visits", owned["visits"])
    if "post_delivery" in owned:
        set_value(doc, "post_delivery", owned["post_delivery"])
    if "legal_basis" in owned:
        set_value(doc, "legal_basis", list(owned["legal_basis"]))
    put(doc, "consult", owned.get("consult"), after=("post_delivery", "in_person", "visits"))
    put(doc, "complaint", owned.get("complaint"), after=("consult", "post_delivery"))
    put(doc, "official", dict(owned["official"]), before=("source",))
    set_value(doc, "source", merged_source(doc.get("source"), owned["source"]))
    if facts_changed(before, plain(doc)) and undo_check(doc):
        warnings.append("导入改变了已核对的内容：已改为 verified: false 并删去核对日期和核对人，请重新核对")
    after = plain(doc)
    changes = compare(before, after)
    status = UPDATED if changes else UNCHANGED
    kept = _kept(doc, root) + [f"材料“{name}”已有按情形或免提交的手工写法，未改动" for name in covered]
    outcome = Outcome("事项", str(doc.get("id")), str(doc.get("name")), display(found.path, root), status, how,
                      changes, kept, warnings)
    text = yamlio.dump(doc, found.layout) if changes else None
    return outcome, text, found.path


def merged_source(old: Any, imported: str) -> str:
    """The import's source sentence, followed by what the hand-written parts were compiled from."""
    old = str(old or "")
    if old.startswith(IMPORT_PREFIXES):
        hand = old.split(HAND_MARK, 1)[1] if HAND_MARK in old else ""
    else:
        hand = old
    return imported + (HAND_MARK + hand if hand else "")


def _kept(doc: CommentedMap, root: Path) -> list[str]:
    """The hand-written content an import leaves as it is, counted for the report."""
    materials = doc.get("materials") or []
    counts = [("情形问题", len(doc.get("situations") or [])),
              ("按情形的材料（when）", sum(1 for m in materials if m.get("when"))),
              ("免提交材料（exempt）", sum(1 for m in materials if m.get("exempt"))),
              ("implies", len(doc.get("implies") or [])), ("别名", len(doc.get("aliases") or [])),
              ("关键词", len(doc.get("keywords") or [])), ("典型问法", len(doc.get("questions") or [])),
              ("备注", len(doc.get("notes") or []))]
    kept = [f"{label} {n} 项" for label, n in counts if n]
    kept += [label for key, label in (("short_name", "简称"), ("scope", "适用范围"), ("in_person", "是否本人到场"))
             if doc.get(key)]
    phrasings = root / "phrasings" / f"{doc.get('id')}.yml"
    if phrasings.exists():
        kept.append(f"群众说法 {display(phrasings, root)}")
    return kept


# ---- editing round-trip containers --------------------------------------------------------------------------------

def _faq(items: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"question": f["question"], "answer": f["answer"]} for f in items]


def _material_map(material: dict[str, Any]) -> CommentedMap:
    result = CommentedMap()
    for key in MATERIAL_ORDER:
        if key in material:
            result[key] = material[key]
    return result


def _hand_written(material: Any) -> bool:
    """Materials the import never edits: situation-conditioned, exempt, or a bundle part's."""
    return bool(material.get("when") or material.get("exempt") or material.get("part"))


def _merge_materials(doc: CommentedMap, imported: list[dict[str, Any]]) -> list[str]:
    """Update plain materials by name, drop those the export no longer lists, add new ones after their
    predecessors; hand-written materials stay as they are. Returns imported names covered by hand-written ones."""
    existing = doc.get("materials")
    if not isinstance(existing, CommentedSeq):
        doc["materials"] = [_material_map(m) for m in imported]
        return []
    hand_names = {str(m.get("name")) for m in existing if _hand_written(m)}
    wanted = Counter(str(m["name"]) for m in imported)
    matched: dict[str, list[Any]] = {}
    result = []
    for material in existing:
        name = str(material.get("name"))
        if _hand_written(material):
            result.append(material)
        elif wanted[name] > 0:
            wanted[name] -= 1
            matched.setdefault(name, []).append(material)
            result.append(material)
    covered = []
    anchor = -1
    for material in imported:
        name = str(material["name"])
        if matched.get(name):
            target = matched[name].pop(0)
            for key in MATERIAL_ORDER[1:]:
                if key in material:
                    set_value(target, key, material[key])
            anchor = next(i for i, m in enumerate(result) if m is target)
        elif name in hand_names:
            covered.append(name)
        else:
            anchor += 1
            result.insert(anchor, _material_map(material))
    if len(result) != len(existing) or any(a is not b for a, b in zip(result, existing, strict=True)):
        del existing[:]
        existing.extend(result)
    return covered


# ---- halls --------------------------------------------------------------------------------------------------------

