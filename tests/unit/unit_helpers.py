"""Helpers shared by the unit tests: paths, line lookup, and the mistakes written into a broken knowledge copy.

Every break function edits one file of a copied knowledge folder and returns the problems validate() must report,
with the line number computed from the text it wrote.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
AFFAIR_IDS = sorted(p.stem for p in (KNOWLEDGE / "affairs").glob("*.yml"))
HOTLINE = "12345"


def line_no(text: str, needle: str, after: int = 0) -> int:
    """1-based number of the first line containing `needle` below line `after` (1-based)."""
    for number, line in enumerate(text.splitlines(), 1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in the text")


def copy_knowledge(dest: Path) -> Path:
    """A full copy of knowledge/ as dest/knowledge (so problems display as knowledge/...)."""
    root = dest / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


@dataclass(frozen=True)
class Expected:
    """A problem the broken copy must report: file as displayed, line, and a part of the message."""

    file: str
    line: int
    fragment: str


def _replace_once(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in the file with `new`; the 1-based line where it stood."""
    text = path.read_text(encoding="utf-8")
    line = line_no(text, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _affair(root: Path, affair_id: str) -> Path:
    return root / "affairs" / f"{affair_id}.yml"


def _remove_fee(root: Path) -> list[Expected]:
    path = _affair(root, "hk-macau-permit")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("fee:\n")
    end = start + 1
    while lines[end].startswith("  "):
        end += 1
    del lines[start:end]
    text = "".join(lines)
    path.write_text(text, encoding="utf-8")
    # a missing top-level field is reported at the top-level mapping, i.e. the line of the first key
    return [Expected("knowledge/affairs/hk-macau-permit.yml", line_no(text, "id: hk-macau-permit"),
                     "文件顶层 缺少必填字段 fee")]


def _remove_material_form(root: Path) -> list[Expected]:
    path = _affair(root, "residence-permit")
    text = path.read_text(encoding="utf-8")
    item = line_no(text, "  - name:", after=line_no(text, "materials:"))
    lines = text.splitlines(keepends=True)
    assert lines[item].startswith("    form:"), "the first material's second line should be its form"
    del lines[item]
    path.write_text("".join(lines), encoding="utf-8")
    return [Expected("knowledge/affairs/residence-permit.yml", item, "materials.0 缺少必填字段 form")]


def _set_office_kinds(root: Path, affair_id: str, value: str) -> int:
    path = _affair(root, affair_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("office_kinds:"))
    assert lines[index].rstrip().endswith("]"), "office_kinds is expected in flow style on one line"
    lines[index] = f"office_kinds: [{value}]\n"
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


def _unknown_office_kind(root: Path) -> list[Expected]:
    line = _set_office_kinds(root, "taiwan-permit", "no-such-hall")
    return [Expected("knowledge/affairs/taiwan-permit.yml", line, "未知的办事大厅类型 no-such-hall")]


def _office_kind_against_pattern(root: Path) -> list[Expected]:
    line = _set_office_kinds(root, "vehicle-transfer", "No_Such_Hall")
    file = "knowledge/affairs/vehicle-transfer.yml"
    return [Expected(file, line, "office_kinds.0 的格式不对：'No_Such_Hall' 应符合 ^[a-z]+(-[a-z]+)*$"),
            Expected(file, line, "未知的办事大厅类型 No_Such_Hall")]


def _bad_indentation(root: Path) -> list[Expected]:
    path = _affair(root, "teacher-qualification")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fee = lines.index("fee:\n")
    assert lines[fee + 1].startswith("  amount:") and lines[fee + 2].startswith("  note:")
    lines[fee + 2] = " " + lines[fee + 2]  # `note:` indented one space deeper than `amount:`
    text = "".join(lines)
    path.write_text(text, encoding="utf-8")
    return [Expected("knowledge/affairs/teacher-qualification.yml", line_no(text, "   note:"), "YAML 格式错误")]


def _duplicate_id(root: Path) -> list[Expected]:
    original = _affair(root, "id-card-renew").read_text(encoding="utf-8")
    text = "# 复制出来的事项（与 id-card-renew.yml 重复）\n" + original
    (root / "affairs" / "zz-duplicate.yml").write_text(text, encoding="utf-8")
    line = line_no(text, "id: id-card-renew")
    file = "knowledge/affairs/zz-duplicate.yml"
    return [Expected(file, line, "与文件名 zz-duplicate.yml 不一致"),
            Expected(file, line, "事项 id id-card-renew 与 knowledge/affairs/id-card-renew.yml 重复")]


def _shared_alias(root: Path) -> list[Expected]:
    owner_line = line_no(_affair(root, "id-card-reissue").read_text(encoding="utf-8"), "  - 补办身份证")
    path = _affair(root, "passport")
    text = path.read_text(encoding="utf-8").replace("aliases:\n", "aliases:\n  - 补办身份证\n", 1)
    path.write_text(text, encoding="utf-8")
    return [Expected("knowledge/affairs/passport.yml", line_no(text, "  - 补办身份证"),
                     f"名称/别名“补办身份证”已被事项 id-card-reissue（knowledge/affairs/id-card-reissue.yml:"
                     f"{owner_line}）使用")]


def _alias_of_later_affair(root: Path) -> list[Expected]:
    """The alias is added to a file read before its owner's: the owner's line is blamed, naming the new one."""
    path = _affair(root, "driving-license-reissue")
    text = path.read_text(encoding="utf-8").replace("aliases:\n", "aliases:\n  - 办护照\n", 1)
    path.write_text(text, encoding="utf-8")
    added = line_no(text, "  - 办护照")
    owner_line = line_no(_affair(root, "passport").read_text(encoding="utf-8"), "  - 办护照")
    return [Expected("knowledge/affairs/passport.yml", owner_line,
                     "名称/别名“办护照”已被事项 driving-license-reissue"
                     f"（knowledge/affairs/driving-license-reissue.yml:{added}）使用")]


def _unknown_when_question(root: Path) -> list[Expected]:
    line = _replace_once(_affair(root, "hukou-newborn"), "when: {birth_place: born_abroad}",
                         "when: {no_such_question: born_abroad}")
    return [Expected("knowledge/affairs/hukou-newborn.yml", line,
                     "条件引用了不存在（或排在后面）的情形问题 no_such_question")]


def _fee_case_unknown_option(root: Path) -> list[Expected]:
    """A fee said for a situation must name an option its question has."""
    line = _replace_once(_affair(root, "id-card-renew"), "when: {renew_reason: damaged}",
                         "when: {renew_reason: broken}")
    return [Expected("knowledge/affairs/id-card-renew.yml", line, "情形问题 renew_reason 没有选项 broken")]


def _visits_case_unknown_question(root: Path) -> list[Expected]:
    """Trips said for a situation must name a question the affair asks."""
    line = _replace_once(_affair(root, "vehicle-inspection-mark"), "  - when: {vehicle_kind: other}",  # visits_cases
                         "  - when: {vehicle_type: other}")
    return [Expected("knowledge/affairs/vehicle-inspection-mark.yml", line,
                     "条件引用了不存在（或排在后面）的情形问题 vehicle_type")]


def _parts_when_unknown_part(root: Path) -> list[Expected]:
    """A part done only in some situations must be one of the bundle's parts."""
    line = _replace_once(_affair(root, "one-thing-retirement"),
                         "  housing-fund-withdrawal-leave: {has_housing_fund: has_fund}",
                         "  housing-fund-loan: {has_housing_fund: has_fund}")
    return [Expected("knowledge/affairs/one-thing-retirement.yml", line,
                     "parts_when 的 housing-fund-loan 不在本事项的 parts 列表中")]


def _yes_option_told_by_order_alone(root: Path) -> list[Expected]:
    path = _affair(root, "divorce-registration")
    # 结婚证还在吗？ without 有, a bare 是 has nothing to go by but the order of the options
    _replace_once(path, "hints: [在, 有, 都还在, 证都在, 结婚证在, 还在]",
                  "hints: [在, 都还在, 证都在, 结婚证在, 还在]")
    text = path.read_text(encoding="utf-8")
    return [Expected("knowledge/affairs/divorce-registration.yml",
                     line_no(text, "options:", after=line_no(text, "id: marriage_cert")),
                     "情形问题 marriage_cert 可以用“是/不是”回答，但看不出哪个选项算“是”")]


def _office_unknown_place(root: Path) -> list[Expected]:
    line = _replace_once(root / "offices" / "ningbo.yml", "place: '330200'", "place: '339999'")
    return [Expected("knowledge/offices/ningbo.yml", line, "place 339999 不在 knowledge/places.yml 中")]


def _office_national_hotline(root: Path) -> list[Expected]:
    path = root / "offices" / "ningbo.yml"
    text = path.read_text(encoding="utf-8")
    old = "- id: nb-entry-exit\n"
    start = text.index(old)
    phone = text.index("  phone: null\n", start)
    text = text[:phone] + "  phone: '12367'\n" + text[phone + len("  phone: null\n"):]
    path.write_text(text, encoding="utf-8")
    return [Expected("knowledge/offices/ningbo.yml", line_no(text, "phone: '12367'"),
                     "12367 是全国或全省统一服务热线，不是这个大厅的电话")]


def _office_check_without_checking(root: Path) -> list[Expected]:
    """An unverified hall with a check date, and another hall serving a district that does not exist."""
    path = root / "offices" / "huzhou.yml"
    text = path.read_text(encoding="utf-8")
    old = "  place: '330500'\n"
    text = text.replace(old, old + "  also_places: ['330599']\n", 1)
    text = text.replace("  verified: false\n", '  verified: false\n  checked: "2026-11-01"\n', 1)
    path.write_text(text, encoding="utf-8")
    return [Expected("knowledge/offices/huzhou.yml", line_no(text, "also_places"),
                     "also_places 330599 不在 knowledge/places.yml 中"),
            Expected("knowledge/offices/huzhou.yml", line_no(text, "checked:"),
                     "未核对（verified: false）的大厅不能写 checked")]


def _county_outside_city(root: Path) -> list[Expected]:
    line = _replace_once(root / "places.yml", '{code: "330212", name: 鄞州区', '{code: "330312", name: 鄞州区')
    return [Expected("knowledge/places.yml", line, "区县代码 330312 不属于 宁波市（应以 3302 开头）")]


def _lexicon_word_twice(root: Path) -> list[Expected]:
    line = _replace_once(root / "lexicon.yml", "    words: [补办,", "    words: [丢了, 补办,")
    return [Expected("knowledge/lexicon.yml", line, "“丢了”已在“遗失”下出现")]


def _vague_word_also_a_stopword(root: Path) -> list[Expected]:
    line = _replace_once(root / "lexicon.yml", "vague: [办证,", "vague: [请问, 办证,")
    return [Expected("knowledge/lexicon.yml", line, "笼统词“请问”也是停用词")]


def _first_phrasing(root: Path, affair_id: str) -> tuple[int, str]:
    """The line and text of the first phrasing in an affair's phrasings file."""
    phrasing = (root / "phrasings" / f"{affair_id}.yml").read_text(encoding="utf-8")
    first = line_no(phrasing, "  - ")
    return first, phrasing.splitlines()[first - 1].removeprefix("  - ")


def _umbrella_unknown_affair(root: Path) -> list[Expected]:
    line = _replace_once(root / "umbrellas.yml", "    affairs: [hukou-newborn, ", "    affairs: [hukou-newbron, ")
    return [Expected("knowledge/umbrellas.yml", line, "事项 hukou-newbron 不存在")]


def _umbrella_question_that_is_a_phrasing(root: Path) -> list[Expected]:
    """A sentence filed as one affair's phrasing cannot also name only a shared topic."""
    first, sentence = _first_phrasing(root, "hukou-move-in")
    path = root / "umbrellas.yml"
    text = path.read_text(encoding="utf-8")
    anchor = "    questions:\n"
    line = line_no(text, anchor.strip()) + 1
    path.write_text(text.replace(anchor, f"{anchor}      - {sentence}\n", 1), encoding="utf-8")
    return [Expected("knowledge/umbrellas.yml", line,
                     f"又在 knowledge/phrasings/hukou-move-in.yml:{first} 算作 hukou-move-in")]


def _two_affairs_unknown_affair(root: Path) -> list[Expected]:
    line = _replace_once(root / "two_affairs.yml", "    affairs: [housing-fund-withdrawal-rent, ",
                         "    affairs: [housing-fund-withdrawl-rent, ")
    return [Expected("knowledge/two_affairs.yml", line, "事项 housing-fund-withdrawl-rent 不存在")]


def _two_affairs_same_affair_twice(root: Path) -> list[Expected]:
    line = _replace_once(root / "two_affairs.yml", "    affairs: [elderly-allowance, retirement-pension]",
                         "    affairs: [elderly-allowance, elderly-allowance]")
    return [Expected("knowledge/two_affairs.yml", line, "事项 elderly-allowance 写了两次")]


def _two_affairs_question_that_is_a_phrasing(root: Path) -> list[Expected]:
    """A sentence filed as one affair's phrasing cannot also concern two affairs."""
    first, sentence = _first_phrasing(root, "passport")
    path = root / "two_affairs.yml"
    text = path.read_text(encoding="utf-8")
    line = len(text.splitlines()) + 1  # appended: the lines other breaks of this file recorded stay where they were
    path.write_text(f"{text}  - question: {sentence}\n    affairs: [passport, hk-macau-permit]\n", encoding="utf-8")
    return [Expected("knowledge/two_affairs.yml", line, f"又在 knowledge/phrasings/passport.yml:{first} 算作 passport")]


def _issued_within_unknown_material(root: Path) -> list[Expected]:
    path = _affair(root, "one-thing-birth")
    line = _replace_once(path, "  - material: 居民户口簿（宝宝户籍页）", "  - material: 宝宝户口页")
    text = path.read_text(encoding="utf-8")
    by = line_no(text, "    by: birth-medical-certificate")
    _replace_once(path, "    by: birth-medical-certificate", "    by: social-security-card-reissue")
    return [Expected("knowledge/affairs/one-thing-birth.yml", line, "其他组成事项的材料里没有“宝宝户口页”"),
            Expected("knowledge/affairs/one-thing-birth.yml", by, "by 必须是本“一件事”的组成事项之一")]


def _same_material_unknown_material(root: Path) -> list[Expected]:
    """A document a bundle lists once must name its parts' materials as they list them."""
    line = _replace_once(_affair(root, "one-thing-death"),
                         "    materials: [申报人居民身份证, 申领人居民身份证, 申请人居民身份证]",
                         "    materials: [申报人身份证, 申领人居民身份证, 申请人居民身份证]")
    return [Expected("knowledge/affairs/one-thing-death.yml", line, "组成事项的材料里没有“申报人身份证”")]


BREAKS = {
    "missing-required-field": _remove_fee,
    "missing-material-field": _remove_material_form,
    "unknown-office-kind": _unknown_office_kind,
    "office-kind-against-pattern": _office_kind_against_pattern,
    "bad-yaml-indentation": _bad_indentation,
    "duplicate-id": _duplicate_id,
    "alias-of-two-affairs": _shared_alias,
    "alias-of-later-affair": _alias_of_later_affair,
    "when-unknown-question": _unknown_when_question,
    "fee-case-unknown-option": _fee_case_unknown_option,
    "visits-case-unknown-question": _visits_case_unknown_question,
    "parts-when-unknown-part": _parts_when_unknown_part,
    "yes-option-told-by-order-alone": _yes_option_told_by_order_alone,
    "office-unknown-place": _office_unknown_place,
    "office-national-hotline": _office_national_hotline,
    "office-check-without-checking": _office_check_without_checking,
    "county-outside-city": _county_outside_city,
    "lexicon-word-twice": _lexicon_word_twice,
    "vague-word-also-a-stopword": _vague_word_also_a_stopword,
    "umbrella-unknown-affair": _umbrella_unknown_affair,
    "umbrella-question-that-is-a-phrasing": _umbrella_question_that_is_a_phrasing,
    "two-affairs-unknown-affair": _two_affairs_unknown_affair,
    "two-affairs-same-affair-twice": _two_affairs_same_affair_twice,
    "two-affairs-question-that-is-a-phrasing": _two_affairs_question_that_is_a_phrasing,
    "issued-within-unknown-material": _issued_within_unknown_material,
    "same-material-unknown-material": _same_material_unknown_material,
}
