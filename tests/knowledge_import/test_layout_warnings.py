"""bot.knowledge.layout: a list indented otherwise than the rest of its file is warned about at its line, and
`validate` prints the warning without failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import copy_knowledge, line_of, run_cli

from bot.knowledge import layout
from bot.knowledge.source import read_yaml
from bot.knowledge.validate import validate

MIXED = """\
topics:
  - topic: 银行
    questions:
      - 银行卡丢了怎么挂失
      - 银行卡怎么注销
  - topic: 电信
    questions:
    - 手机号怎么注销
    - 流量不够用怎么办
"""


def _warnings(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    path = tmp_path / "knowledge" / "out_of_scope.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [(w.line, w.message) for w in layout.check_file(read_yaml(path, tmp_path / "knowledge"))]


def test_a_list_indented_unlike_the_others_is_warned_at_its_first_item(tmp_path):
    [(line, message)] = _warnings(tmp_path, MIXED)
    assert line == 8  # - 手机号怎么注销
    assert "多缩进 2 格" in message and "其他列表是 4 格" in message


@pytest.mark.parametrize("text", [
    MIXED.replace("    - 手机号", "      - 手机号").replace("    - 流量", "      - 流量"),  # all indented
    "offices:\n- name: 甲\n  kinds:\n  - id\n- name: 乙\n  kinds:\n  - tax\n",  # all at the margin
    "id: x\nkeywords: [甲, 乙]\naliases:\n  - 丙\n",  # a flow list has no block indentation
    "id: x\nname: 只有标量\n",
])
def test_one_layout_per_file_is_not_warned(tmp_path, text):
    assert _warnings(tmp_path, text) == []


def test_the_knowledge_as_it_is_has_one_layout_per_file():
    files, _ = validate(Path(__file__).resolve().parents[2] / "knowledge")
    assert [str(w) for w in layout.check(files)] == []


def test_validate_prints_the_layout_warning_and_still_passes(tmp_path):
    root = copy_knowledge(tmp_path)
    path = root / "out_of_scope.yml"
    added = "  - topic: 证件的样子\n    questions:\n    - 户口本的封皮能换颜色吗\n"  # items at the key's margin
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")
    code, output = run_cli("knowledge", "validate", "--dir", str(root))
    assert code == 0 and "✓ 知识库检查通过" in output
    line = line_of(path, "户口本的封皮能换颜色吗")
    assert f"⚠ knowledge/out_of_scope.yml:{line}: 这个列表的各项比上一行的键多缩进 2 格" in output
