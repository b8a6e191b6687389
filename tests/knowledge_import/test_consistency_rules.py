"""bot.knowledge.consistency: each rule on small affair files, with the line it blames; and `validate` prints them."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import run_cli

from bot.knowledge.consistency import check_affair
from bot.knowledge.source import read_yaml

BASE = """\
id: x
time_limit:
  legal_days: 20
  promised_days: {promised}
case_type: {case_type}
fee:
  amount: {amount}
  note: {fee_note}
online:
  available: {available}
  depth: {depth}
  how: {how}
visits: {visits}
post_delivery: {post}
"""
GOOD = dict(promised=5, case_type="承诺件", amount=0, fee_note="不收费", available="true", depth="Ⅲ级",
            how="网上申请，窗口领取", visits=1, post="false")


def _warnings(tmp_path: Path, **changes) -> list[tuple[int, str]]:
    path = tmp_path / "knowledge" / "affairs" / "x.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BASE.format(**{**GOOD, **changes}), encoding="utf-8")
    return [(w.line, w.message) for w in check_affair(read_yaml(path, tmp_path / "knowledge"))]


def test_a_consistent_affair_has_no_warning(tmp_path):
    assert _warnings(tmp_path) == []


@pytest.mark.parametrize("changes, line, fragment", [
    (dict(promised=0), 5, "承诺时限为 0（即办），办件类型却是“承诺件”"),
    (dict(case_type="即办件"), 4, "办件类型为“即办件”，承诺时限却是 5 天"),
    (dict(depth="Ⅳ级"), 13, "全程网办（Ⅳ级），跑动次数却是 1"),
    (dict(visits=0, available="false", depth="Ⅱ级"), 13, "既不能网上办理，也不能邮寄结果"),
    (dict(how="可在浙里办在线缴费"), 12, "这里却提到在线支付（“浙里办在线缴费”）"),
    (dict(fee_note="免费，扫码支付邮费"), 8, "（“扫码支付”）"),
])
def test_each_rule_warns_at_the_line_to_fix(tmp_path, changes, line, fragment):
    found = _warnings(tmp_path, **changes)
    assert len(found) == 1, found
    assert found[0][0] == line and fragment in found[0][1]


@pytest.mark.parametrize("changes", [
    dict(promised=0, case_type="即办件"),
    dict(depth="Ⅳ级", visits=0),
    dict(visits=0, available="false", depth="Ⅱ级", post="true"),
    dict(visits=0, available="true", depth="Ⅳ级"),
    dict(how="可在支付宝搜索办理"),  # 支付宝 names a channel, not a payment
    dict(how="登记后在浙里办缴纳社保费"),  # a premium is no fee of the affair
    dict(how="在电子税务局申报后网上缴纳税款"),
    dict(amount=20, how="可在浙里办在线支付工本费"),  # it does cost something
])
def test_consistent_variants_do_not_warn(tmp_path, changes):
    assert _warnings(tmp_path, **changes) == []


def test_validate_prints_warnings_in_yellow_and_still_passes(imported):
    code, output = run_cli("knowledge", "validate", "--dir", str(imported.root))
    assert code == 0
    assert "✓ 知识库检查通过" in output
    for warning in imported.warnings:
        assert f"⚠ {warning}" in output
    assert f"{len(imported.warnings)} 条一致性提醒" in output


def test_a_bare_option_label_warns_at_its_line(tmp_path):
    """您的情况：办理简易注销、在、委托他人办理: a label that says nothing once the question is gone."""
    path = tmp_path / "knowledge" / "affairs" / "x.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BASE.format(**GOOD) + "situations:\n  - id: license\n    ask: 营业执照还在吗？\n    options:\n"
                    "      - value: present\n        label: 在\n      - value: lost\n        label: 遗失了\n",
                    encoding="utf-8")
    found = [(w.line, w.message) for w in check_affair(read_yaml(path, tmp_path / "knowledge"))]
    assert len(found) == 1 and found[0][0] == 20 and "选项文字“在”离开问题就看不懂" in found[0][1], found
