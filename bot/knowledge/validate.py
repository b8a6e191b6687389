"""Validation of the knowledge files: schema, cross-references and duplicates, with file:line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

from bot.catalog.domain import Option, Question
from bot.dialogue.situations import asked_as_yes_or_no, marked_yes_and_no
from bot.knowledge.source import Problem, SourceFile, plain, read_yaml
from bot.resolver.text import normalize

SCHEMAS = {"affair": "affair.schema.yml", "office": "office.schema.yml",
           "places": "places.schema.yml", "lexicon": "lexicon.schema.yml",
           "phrasings": "phrasings.schema.yml", "out_of_scope": "out_of_scope.schema.yml",
           "umbrellas": "umbrellas.schema.yml", "answers": "answers.schema.yml",
           "two_affairs": "two_affairs.schema.yml"}


@dataclass
class KnowledgeFiles:
    """Every knowledge file of a folder, parsed, with the problems found so far."""

    root: Path
    affairs: list[SourceFile] = field(default_factory=list)
    offices: list[SourceFile] = field(default_factory=list)
    phrasings: list[SourceFile] = field(default_factory=list)
    answers: list[SourceFile] = field(default_factory=list)
    places: SourceFile | None = None
    lexicon: SourceFile | None = None
    out_of_scope: SourceFile | None = None
    umbrellas: SourceFile | None = None
    two_affairs: SourceFile | None = None

    def all_files(self) -> list[SourceFile]:
        """Every parsed file, affairs first."""
        extra = [f for f in (self.places, self.lexicon, self.out_of_scope, self.umbrellas, self.two_affairs)
                 if f is not None]
        return [*self.affairs, *self.offices, *self.phrasings, *self.answers, *extra]

    def problems(self) -> list[Problem]:
        """All problems of all files, in file order."""
        return [p for f in self.all_files() for p in f.problems]


# Files directly under the knowledge folder that may be absent (places.yml is then reported missing).
OPTIONAL_FILES = ("places", "lexicon", "out_of_scope", "umbrellas", "two_affairs")

# Service hotlines (12345, 12329, 12367 ...) answer for a whole country or province, never for one hall.
NATIONAL_HOTLINE = re.compile(r"(?:\+?86)?(?:0\d{2,3})?1\d{4}")


def read_knowledge(root: Path) -> KnowledgeFiles:
    """Parse every file under `root` (affairs/, offices/, phrasings/, answers/, places, lexicon, out_of_scope,
    umbrellas, two_affairs)."""
    files = KnowledgeFiles(root=root)
    files.affairs = [read_yaml(p, root) for p in sorted((root / "affairs").glob("*.yml"))]
    files.offices = [read_yaml(p, root) for p in sorted((root / "offices").glob("*.yml"))]
    files.phrasings = [read_yaml(p, root) for p in sorted((root / "phrasings").glob("*.yml"))]
    files.answers = [read_yaml(p, root) for p in sorted((root / "answers").glob("*.yml"))]
    for name in OPTIONAL_FILES:
        path = root / f"{name}.yml"
        if path.exists():
            setattr(files, name, read_yaml(path, root))
    return files


def _schema(root: Path, kind: str) -> dict[str, Any]:
    return plain(YAML(typ="safe").load((root / "schema" / SCHEMAS[kind]).read_text(encoding="utf-8")))


def _explain(error: jsonschema.ValidationError) -> str:
    """A maintainer-friendly sentence for a schema error."""
    where = ".".join(str(p) for p in error.absolute_path) or "文件顶层"
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else error.message
        return f"{where} 缺少必填字段 {missing}：请补上（字段说明见 knowledge/schema/）"
    if error.validator == "additionalProperties":
        return f"{where} 有未知字段：{error.message.split('(')[-1].rstrip(')')}。请检查拼写或删除"
    if error.validator == "enum":
        allowed = "、".join(str(v) for v in error.validator_value)
        return f"{where} 的值 {error.instance!r} 不允许：请改为 {allowed} 之一"
    if error.validator == "type":
        return f"{where} 的类型不对：应为 {error.validator_value}，现在是 {error.instance!r}"
    if error.validator == "pattern":
        return f"{where} 的格式不对：{error.instance!r} 应符合 {error.validator_value}"
    if error.validator in ("minItems", "minLength"):
        return f"{where} 内容太少：至少需要 {error.validator_value} 项/个字符"
    return f"{where}：{error.message}"


def _check_schema(source: SourceFile, schema: dict[str, Any]) -> None:
    if source.data is None:
        return
    validator = jsonschema.Draft7Validator(schema)
    for error in sorted(validator.iter_errors(plain(source.data)), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and "'" in error.message:
            path.append(error.message.split("'")[1])
        source.problem(path, _explain(error))


def _check_places(files: KnowledgeFiles) -> set[str]:
    """Place codes on record; duplicate codes and counties outside their city are problems."""
    codes: set[str] = set()
    source = files.places
    if source is None or not isinstance(source.data, dict):
        return codes
    for ci, city in enumerate(source.data.get("cities") or []):
        for path, code in [(["cities", ci, "code"], city.get("code"))] + [
            (["cities", ci, "counties", ki, "code"], county.get("code"))
            for ki, county in enumerate(city.get("counties") or [])
        ]:
            if code in codes:
                source.problem(path, f"行政区划代码 {code} 重复：每个代码只能出现一次")
            codes.add(str(code))
            if len(path) > 3 and str(code)[:4] != str(city.get("code"))[:4]:
                prefix = str(city.get("code"))[:4]
                source.problem(path, f"区县代码 {code} 不属于 {city.get('name')}（应以 {prefix} 开头）")
    return codes


def _check_offices(files: KnowledgeFiles, place_codes: set[str]) -> None:
    """Duplicate office ids, unknown places, national hotlines given as a hall's phone, untrue provenance."""
    seen: dict[str, str] = {}
    for source in files.offices:
        if not isinstance(source.data, dict):
            continue
        for i, office in enumerate(source.data.get("offices") or []):
            office_id = office.get("id")
            if office_id in seen:
                source.problem(["offices", i, "id"], f"办事大厅 id {office_id} 与 {seen[office_id]} 重复：请改名")
            seen[office_id] = source.display
            served = [(["place"], str(office.get("place")))]
            served += [(["also_places", j], str(code)) for j, code in enumerate(office.get("also_places") or [])]
            for path, code in served:
                if place_codes and code not in place_codes:
                    source.problem(["offices", i, *path],
                                   f"{path[0]} {code} 不在 knowledge/places.yml 中：请填写区县或设区市的代码")
            phone = str(office.get("phone") or "")
            if NATIONAL_HOTLINE.fullmatch(phone.replace(" ", "").replace("-", "")):
                source.problem(["offices", i, "phone"], f"{phone} 是全国或全省统一服务热线，不是这个大厅的电话："
                                                        "没有大厅座机时写 null")
            _check_provenance(source, office, prefix=["offices", i], what="大厅")


def _check_provenance(source: SourceFile, entry: dict[str, Any], prefix: list[Any] = (), what: str = "事项") -> None:
    """A check date only where someone checked: verified needs source_url, checked and checked_by."""
    prefix = list(prefix)
    if entry.get("verified"):
        for key in ("source_url", "checked", "checked_by"):
            if not entry.get(key):
                source.problem([*prefix, "verified"], f"verified: true 须同时写明 {key}（核对的网址、日期和核对人）")
    else:
        for key in ("checked", "checked_by"):
            if entry.get(key):
                source.problem([*prefix, key], f"未核对（verified: false）的{what}不能写 {key}："
                                               "请删去，或真的核对后改为 verified: true")


def _check_situations(source: SourceFile, affair: dict[str, Any]) -> None:
    """`when` (of materials, fees and trips) and `ask_if` must name known questions and options."""
    options: dict[str, set[str]] = {}
    for qi, question in enumerate(affair.get("situations") or []):
        _check_when(source, ["situations", qi, "ask_if"], question.get("ask_if"), options)
        if question.get("id") in options:
            source.problem(["situations", qi, "id"], f"情形问题 id {question.get('id')} 重复")
        options[question.get("id")] = {str(o.get("value")) for o in question.get("options") or []}
        _check_yes_and_no(source, ["situations", qi, "options"], question)
    for mi, material in enumerate(affair.get("materials") or []):
        _check_when(source, ["materials", mi, "when"], material.get("when"), options)
        part = material.get("part")
        if part is not None and part not in (affair.get("parts") or []):
            source.problem(["materials", mi, "part"], f"part {part} 不在本事项的 parts 列表中")
    for part, conditions in (affair.get("parts_when") or {}).items():
        if part not in (affair.get("parts") or []):
            source.problem(["parts_when", part], f"parts_when 的 {part} 不在本事项的 parts 列表中")
        _check_when(source, ["parts_when", part], conditions, options)
    fee = affair.get("fee") if isinstance(affair.get("fee"), dict) else {}
    for path, cases in ((["fee", "cases"], fee.get("cases")), (["visits_cases"], affair.get("visits_cases"))):
        for ci, case in enumerate(cases or []):
            if isinstance(case, dict):
                _check_when(source, [*path, ci, "when"], case.get("when"), options)


def _check_yes_and_no(source: SourceFile, path: list[Any], question: dict[str, Any]) -> None:
    """A question people answer with a bare 是 or 不是 must say which option each chooses, by hints or a label that
    starts with a negation: the order of the options is no answer (营业执照还在吗？ listing 不在了 first)."""
    options = tuple(Option(str(o.get("value")), str(o.get("label")), tuple(map(str, o.get("hints") or ())))
                    for o in question.get("options") or [] if isinstance(o, dict))
    asked = Question(id=str(question.get("id")), ask=str(question.get("ask") or ""), options=options)
    if asked_as_yes_or_no(asked) and marked_yes_and_no(asked) is None:
        source.problem(path, f"情形问题 {asked.id} 可以用“是/不是”回答，但看不出哪个选项算“是”："
                             "请在算“是”的选项 hints 里加“是”“有”“对”“要”或“需要”，"
                             "或在另一个选项 hints 里加“不是”“没有”“不用”“不要”“不需要”或“否”")


def _check_when(source: SourceFile, path: list[Any], cond: Any, options: dict[str, set[str]]) -> None:
    if not isinstance(cond, dict):
        return
    for question_id, wanted in cond.items():
        if question_id not in options:
            source.problem(path + [question_id], f"条件引用了不存在（或排在后面）的情形问题 {question_id}")
            continue
        for value in wanted if isinstance(wanted, list) else [wanted]:
            if str(value) not in options[question_id]:
                allowed = "、".join(sorted(options[question_id]))
                source.problem(path + [question_id], f"情形问题 {question_id} 没有选项 {value}：可选 {allowed}")


def _check_affairs(files: KnowledgeFiles, office_kinds: set[str]) -> None:
    ids: dict[str, str] = {}
    phrases: dict[str, tuple[str, SourceFile, list[Any]]] = {}
    by_id = {}
    for source in files.affairs:
        if not isinstance(source.data, dict):
            continue
        affair = source.data
        affair_id = affair.get("id")
        if affair_id != source.path.stem:
            source.problem(["id"], f"id {affair_id} 与文件名 {source.path.name} 不一致：文件名应为 <id>.yml")
        if affair_id in ids:
            source.problem(["id"], f"事项 id {affair_id} 与 {ids[affair_id]} 重复")
        ids[affair_id] = source.display
        by_id[affair_id] = (source, affair)
        names = [("name", affair.get("name")), ("short_name", affair.get("short_name"))]
        names += [(("aliases", i), a) for i, a in enumerate(affair.get("aliases") or [])]
        for key, phrase in names:
            path = list(key) if isinstance(key, tuple) else [key]
            norm = str(phrase).strip()
            owner = phrases.get(norm)
            if owner and owner[0] != affair_id:
                source.problem(path, f"名称/别名“{norm}”已被事项 {owner[0]}（{owner[1].display}:"
                                     f"{owner[1].line_of(owner[2])}）使用：别名只能属于一个事项")
            phrases.setdefault(norm, (affair_id, source, path))
        for ki, kind in enumerate(affair.get("office_kinds") or []):
            if kind not in office_kinds:
                source.problem(["office_kinds", ki], f"未知的办事大厅类型 {kind}：请改为 "
                                                     f"{', '.join(sorted(office_kinds))} 之一")
        if not affair.get("parts") and not affair.get("materials"):
            source.problem(["materials"], "materials 为空：非“一件事”事项至少要列一项材料")
        _check_situations(source, affair)
        _check_provenance(source, affair)
    for source, affair in by_id.values():
        for pi, part in enumerate(affair.get("parts") or []):
            if part not in by_id:
                source.problem(["parts", pi], f"parts 引用了不存在的事项 {part}")
            elif by_id[part][1].get("parts"):
                source.problem(["parts", pi], f"{part} 本身是“一件事”，不能再被组合")
        _check_implies(source, affair, by_id)
        _check_issued_within(source, affair, by_id)
        _check_same_material(source, affair, by_id)


def _check_issued_within(source: SourceFile, affair: dict[str, Any],
                         by_id: dict[str, tuple[SourceFile, dict[str, Any]]]) -> None:
    """A material issued within a bundle must be one of another part's materials, and its issuer a part."""
    parts = [p for p in affair.get("parts") or [] if p in by_id]
    for ii, issued in enumerate(affair.get("issued_within") or []):
        name, issuer = issued.get("material"), issued.get("by")
        if not parts:
            source.problem(["issued_within", ii], "issued_within 只用于“一件事”（有 parts 的事项）")
            return
        if issuer not in parts:
            source.problem(["issued_within", ii, "by"], f"by 必须是本“一件事”的组成事项之一：{'、'.join(parts)}")
        listed = [p for p in parts if p != issuer and
                  any(m.get("name") == name for m in by_id[p][1].get("materials") or [])]
        if not listed:
            source.problem(["issued_within", ii, "material"],
                           f"其他组成事项的材料里没有“{name}”：请照组成事项 materials 里的名称填写")


def _check_same_material(source: SourceFile, affair: dict[str, Any],
                         by_id: dict[str, tuple[SourceFile, dict[str, Any]]]) -> None:
    """Each name of a bundle's `same_material` must be a material of one of its parts."""
    parts = [p for p in affair.get("parts") or [] if p in by_id]
    listed = {str(m.get("name")) for p in parts for m in by_id[p][1].get("materials") or []}
    for si, same in enumerate(affair.get("same_material") or []):
        if not parts:
            source.problem(["same_material", si], "same_material 只用于“一件事”（有 parts 的事项）")
            return
        for mi, name in enumerate(same.get("materials") or []):
            if name not in listed:
                source.problem(["same_material", si, "materials", mi],
                               f"组成事项的材料里没有“{name}”：请照组成事项 materials 里的名称填写")


def _question_options(affair: dict[str, Any], by_id: dict[str, tuple[SourceFile, dict[str, Any]]]) -> dict[str, set]:
    """Every question an affair's answers may name (part-id/question-id for its parts), with its options."""
    options = {str(q.get("id")): {str(o.get("value")) for o in q.get("options") or []}
               for q in affair.get("situations") or []}
    for part in affair.get("parts") or []:
        for question in (by_id.get(part, (None, {}))[1].get("situations") or []):
            options[f"{part}/{question.get('id')}"] = {str(o.get("value")) for o in question.get("options") or []}
    return options


def _check_implies(source: SourceFile, affair: dict[str, Any],
                   by_id: dict[str, tuple[SourceFile, dict[str, Any]]]) -> None:
    """Implied answers and their conditions must name known questions and options."""
    options = _question_options(affair, by_id)
    for ii, implication in enumerate(affair.get("implies") or []):
        for key, value in list((implication.get("answers") or {}).items()) + list(
                (implication.get("when") or {}).items()):
            field_name = "answers" if key in (implication.get("answers") or {}) else "when"
            path = ["implies", ii, field_name, key]
            if key not in options:
                source.problem(path, f"implies 引用了不存在的情形问题 {key}（一件事的组成事项请写成 事项id/问题id）")
                continue
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in options[key]:
                    allowed = "、".join(sorted(options[key]))
                    source.problem(path, f"情形问题 {key} 没有选项 {item}：可选 {allowed}")


def _check_lexicon(files: KnowledgeFiles) -> None:
    """A colloquial word may mean one thing only, and a filler or vague word cannot also be a synonym."""
    source = files.lexicon
    if source is None or not isinstance(source.data, dict):
        return
    seen: dict[str, str] = {}
    for si, group in enumerate(source.data.get("synonyms") or []):
        for wi, word in enumerate(group.get("words") or []):
            if word in seen and seen[word] != group.get("canonical"):
                source.problem(["synonyms", si, "words", wi],
                               f"“{word}”已在“{seen[word]}”下出现：一个说法只能对应一个词，请删去其中一处")
            seen[word] = group.get("canonical")
    taken = {word: f"“{canonical}”的同义说法" for word, canonical in seen.items()}  # what each word already is
    for key, kind in (("stopwords", "停用词"), ("vague", "笼统词")):
        words = source.data.get(key) or []
        for wi, word in enumerate(words):
            if word in taken:
                source.problem([key, wi], f"{kind}“{word}”也是{taken[word]}：请删去其中一处")
        taken.update({word: kind for word in words if word not in taken})


def _names_its_affair(source: SourceFile, affair_ids: set[str]) -> bool:
    """Whether a file about one affair (phrasings/, answers/) names a known affair, the one of its file name; a
    problem is reported when it does not."""
    affair_id = source.data.get("affair")
    if affair_id != source.path.stem:
        source.problem(["affair"], f"affair {affair_id} 与文件名 {source.path.name} 不一致：文件名应为 <事项 id>.yml")
        return False
    if affair_id not in affair_ids:
        source.problem(["affair"], f"事项 {affair_id} 不存在：请先在 affairs/ 下建立它，或删去本文件")
        return False
    return True


def _check_phrasings(files: KnowledgeFiles) -> None:
    """Phrasings name a known affair in a file of that name; one sentence means one thing only."""
    affair_ids = {s.path.stem for s in files.affairs}
    seen: dict[str, tuple[str, SourceFile, list[Any]]] = {}
    for source in files.phrasings:
        if not isinstance(source.data, dict):
            continue
        affair_id = source.data.get("affair")
        _names_its_affair(source, affair_ids)
        for i, text in enumerate(source.data.get("phrasings") or []):
            _claim(seen, str(text), str(affair_id), source, ["phrasings", i])
    oos = files.out_of_scope
    if oos is None or not isinstance(oos.data, dict):
        return
    for ti, topic in enumerate(oos.data.get("topics") or []):
        for qi, text in enumerate(topic.get("questions") or []):
            _claim(seen, str(text), "", oos, ["topics", ti, "questions", qi])
    _check_umbrellas(files, seen)
    _check_two_affairs(files, seen)


def _check_answers(files: KnowledgeFiles) -> None:
    """Answers name a known affair in a file of that name, its situation questions and their options; one reply
    chooses one option of a question only."""
    situations = {s.path.stem: {str(q.get("id")): {str(o.get("value")) for o in q.get("options") or []}
                                for q in (s.data.get("situations") or [])}
                  for s in files.affairs if isinstance(s.data, dict)}
    affair_ids = {s.path.stem for s in files.affairs}
    for source in files.answers:
        if not isinstance(source.data, dict):
            continue
        affair_id = source.data.get("affair")
        if not _names_its_affair(source, affair_ids) or affair_id not in situations:
            continue  # an affair file that does not parse has its own problem reported
        for question_id, options in (source.data.get("answers") or {}).items():
            known = situations[affair_id].get(str(question_id))
            if known is None:
                asked = "、".join(situations[affair_id]) or "（没有情形问题）"
                source.problem(["answers", question_id],
                               f"事项 {affair_id} 没有情形问题 {question_id}：应为 {asked} 之一")
                continue
            seen: dict[str, tuple[SourceFile, list[Any]]] = {}
            for value, replies in (options or {}).items():
                if str(value) not in known:
                    source.problem(["answers", question_id, value],
                                   f"情形问题 {question_id} 没有选项 {value}：应为 {'、'.join(sorted(known))} 之一")
                    continue
                for i, reply in enumerate(replies or []):
                    path = ["answers", question_id, value, i]
                    earlier = seen.setdefault(normalize(str(reply)), (source, path))
                    if earlier[1] != path:
                        where = f"{source.display}:{source.line_of(earlier[1])}"
                        source.problem(path, f"“{reply}”与 {where} 重复：一句回答只能选一个选项，请删去一处")


def _check_umbrellas(files: KnowledgeFiles, seen: dict[str, tuple[str, SourceFile, list[Any]]]) -> None:
    """An umbrella topic has an id of its own and names known affairs, each once (the schema asks for two or
    more); its questions are claimed like phrasings (a sentence cannot both name the topic only and mean one
    affair)."""
    source = files.umbrellas
    if source is None or not isinstance(source.data, dict):
        return
    affair_ids = {s.path.stem for s in files.affairs}
    ids: set[str] = set()
    for ui, umbrella in enumerate(source.data.get("umbrellas") or []):
        umbrella_id = str(umbrella.get("id"))
        if umbrella_id in ids:
            source.problem(["umbrellas", ui, "id"], f"笼统说法 id {umbrella_id} 重复：请改名")
        ids.add(umbrella_id)
        _check_members(source, umbrella.get("affairs"), ["umbrellas", ui, "affairs"], affair_ids)
        for qi, text in enumerate(umbrella.get("questions") or []):
            _claim(seen, str(text), f"笼统说法 {umbrella_id}", source, ["umbrellas", ui, "questions", qi])


def _check_two_affairs(files: KnowledgeFiles, seen: dict[str, tuple[str, SourceFile, list[Any]]]) -> None:
    """A question of two affairs names known affairs, each once (the schema asks for two or more); it is claimed
    like a phrasing (a sentence cannot both concern two affairs and mean one)."""
    source = files.two_affairs
    if source is None or not isinstance(source.data, dict):
        return
    affair_ids = {s.path.stem for s in files.affairs}
    for qi, entry in enumerate(source.data.get("questions") or []):
        _check_members(source, entry.get("affairs"), ["questions", qi, "affairs"], affair_ids)
        _claim(seen, str(entry.get("question")), "同时和两项有关", source, ["questions", qi, "question"])


def _check_members(source: SourceFile, members: list[Any] | None, path: list[Any], affair_ids: set[str]) -> None:
    """A list of affairs (at `path` in the file) names known affairs, each once."""
    named = [str(a) for a in members or []]
    for ai, affair_id in enumerate(named):
        if affair_id not in affair_ids:
            source.problem([*path, ai], f"事项 {affair_id} 不存在：请改为 affairs/ 下的事项 id")
        elif named.index(affair_id) != ai:
            source.problem([*path, ai], f"事项 {affair_id} 写了两次：请删去一处")


def _claim(seen: dict[str, tuple[str, SourceFile, list[Any]]], text: str, owner: str,
           source: SourceFile, path: list[Any]) -> None:
    """Record who a sentence belongs to; the same sentence under two owners is a problem."""
    key = normalize(text)
    earlier = seen.get(key)
    if earlier is None:
        seen[key] = (owner, source, path)
        return
    where = f"{earlier[1].display}:{earlier[1].line_of(earlier[2])}"
    if earlier[0] == owner:
        source.problem(path, f"“{text}”与 {where} 重复：请删去一处")
    else:
        mine = owner or "不属于本助手"
        theirs = earlier[0] or "不属于本助手"
        source.problem(path, f"“{text}”既算作 {mine}，又在 {where} 算作 {theirs}：一句话只能归一处，请删去或改写")


def _check_required(files: KnowledgeFiles, required: list[str]) -> list[Problem]:
    present = {s.path.stem for s in files.affairs}
    return [Problem(str(files.root / "affairs"), 1, f"缺少必需的事项 {rid}：请新建 affairs/{rid}.yml")
            for rid in required if rid not in present]


def validate(root: Path, required: list[str] | None = None) -> tuple[KnowledgeFiles, list[Problem]]:
    """Parse and check every knowledge file under `root`; return the files and every problem."""
    files = read_knowledge(root)
    affair_schema = _schema(root, "affair")
    for source in files.affairs:
        _check_schema(source, affair_schema)
    office_schema = _schema(root, "office")
    for source in files.offices:
        _check_schema(source, office_schema)
    phrasing_schema = _schema(root, "phrasings")
    for source in files.phrasings:
        _check_schema(source, phrasing_schema)
    answer_schema = _schema(root, "answers")
    for source in files.answers:
        _check_schema(source, answer_schema)
    for name in OPTIONAL_FILES:
        source = getattr(files, name)
        if source is not None:
            _check_schema(source, _schema(root, name))
    _check_offices(files, _check_places(files))
    office_kinds = set(office_schema["definitions"]["kind"]["enum"])
    _check_affairs(files, office_kinds)
    _check_lexicon(files)
    _check_phrasings(files)
    _check_answers(files)
    problems = files.problems()
    if files.places is None:
        problems.append(Problem(str(root / "places.yml"), 1, "缺少 places.yml（行政区划表）"))
    problems += _check_required(files, required or [])
    return files, problems
