"""The fast knowledge parser reads YAML exactly as ruamel's round-trip loader does (values, types, positions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.knowledge.source import load_round_trip, read_yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# YAML 1.1 and 1.2 differ on these plain scalars; ruamel reads 1.2, libyaml's own resolver 1.1
TRICKY = """\
yes_word: yes
on_word: on
time: 8:30
leading_zero: 0755
octal: 0o17
underscored: 1_000
day: 2026-01-01
moment: 2026-01-01 10:00:00
tilde: ~
null_word: null
quoted_null: "null"
quoted_number: '12'
tagged: !!str 12
exponent: 1e3
infinite: .inf
hex: -0x1F
capital: True
empty:
literal: |
  第一行
  第二行
folded: >
  折叠的
  一段
flow: [1, two, 3.5]
flow_map: {p: q}
anchored: &shared [1, 2]
alias: *shared
block:
  - id: a
    items:
    - x
    - y
"""


def differences(fast: Any, ruamel: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Where the two documents differ in type, value, flow style or the position of a key or list item."""
    if type(fast) is not type(ruamel):
        return [f"{path}: {type(fast).__name__} ≠ {type(ruamel).__name__}"]
    if isinstance(fast, CommentedMap):
        if list(fast) != list(ruamel) or fast.fa.flow_style() != ruamel.fa.flow_style():
            return [f"{path}: keys or flow style"]
        found = [f"{(*path, key)}: key at {fast.lc.key(key)} ≠ {ruamel.lc.key(key)}"
                 for key in fast if fast.lc.key(key) != ruamel.lc.key(key)]
        return found + [d for key in fast for d in differences(fast[key], ruamel[key], (*path, key))]
    if isinstance(fast, CommentedSeq):
        if len(fast) != len(ruamel) or fast.fa.flow_style() != ruamel.fa.flow_style():
            return [f"{path}: length or flow style"]
        found = [f"{(*path, i)}: item at {fast.lc.item(i)} ≠ {ruamel.lc.item(i)}"
                 for i in range(len(fast)) if fast.lc.item(i) != ruamel.lc.item(i)]
        return found + [d for i in range(len(fast)) for d in differences(fast[i], ruamel[i], (*path, i))]
    return [] if fast == ruamel else [f"{path}: {fast!r} ≠ {ruamel!r}"]


def test_scalars_that_yaml_versions_read_differently_are_read_as_yaml_1_2():
    fast = load_round_trip(TRICKY)
    assert differences(fast, YAML(typ="rt").load(TRICKY)) == []
    assert fast["yes_word"] == "yes" and fast["time"] == "8:30" and fast["tagged"] == "12"
    assert fast["alias"] is fast["anchored"]


def test_every_knowledge_file_reads_as_ruamel_reads_it():
    files = sorted((PROJECT_ROOT / "knowledge").rglob("*.yml"))
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert differences(load_round_trip(text), YAML(typ="rt").load(text)) == [], path


@pytest.mark.parametrize(("text", "line"), [
    ("id: a\nname: 甲\nid: b\n", 3),
    ("id: a\nmaterials: [身份证, 户口簿\nnote: x\n", 3),
    ("id: a\nsteps:\n  - 一\n - 二\n", 4),
])
def test_a_broken_file_is_one_problem_at_its_line(tmp_path: Path, text: str, line: int):
    root = tmp_path / "knowledge"
    (root / "affairs").mkdir(parents=True)
    path = root / "affairs" / "a.yml"
    path.write_text(text, encoding="utf-8")
    source = read_yaml(path, root)
    assert source.data is None
    assert [(p.file, p.line) for p in source.problems] == [("knowledge/affairs/a.yml", line)]
    assert source.problems[0].message.startswith("YAML 格式错误")


def test_an_empty_file_reads_as_nothing():
    assert load_round_trip("") is None
    assert load_round_trip("# 只有注释\n") is None
