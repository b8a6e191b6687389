"""Importing the sample into a knowledge copy: valid result, expected warnings, hand-written parts kept, round trip,
per-field diff of a changed export, and provenance (verified is never set by an import, and is undone by a change)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from import_helpers import (
    KNOWLEDGE,
    MERGED_IDS,
    SAMPLE_JSON,
    affair_id,
    basic_row,
    copy_knowledge,
    fingerprint,
    line_of,
    load_yaml,
    run_cli,
    sample,
    write_json,
)

from bot.knowledge.importing.diff import ADDED, CHANGED, REMOVED
from bot.knowledge.importing.merge import plan_import
from bot.knowledge.importing.plan import NEW, UNCHANGED, UPDATED, apply, place_codes
from bot.knowledge.importing.readers import read_export
from bot.knowledge.importing.records import map_export

HAND_WRITTEN = ("situations", "implies", "aliases", "keywords", "questions", "scope", "short_name", "in_person",
                "notes")


def _plan(export: Path, root: Path):
    return plan_import(map_export(read_export(export), place_codes(root)), root)


def _own_copy(imported, tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(imported.root, root)
    return root


def test_the_import_writes_a_valid_knowledge(imported):
    assert imported.code == 0, imported.output
    assert imported.problems == []
    assert "✓ 知识库检查通过" in imported.output
    data = sample()
    for row in data["基本信息"]:
        name = row["事项名称"]
        path = imported.root / "affairs" / f"{affair_id(name)}.yml"
        if name in {load_yaml(KNOWLEDGE / "affairs" / f"{i}.yml")["name"] for i in MERGED_IDS}:
            assert not path.exists()
            continue
        record = load_yaml(path)
        assert record["name"] == name and record["verified"] is False
        assert record["official"] == {"implementation_code": row["实施编码"], "basic_code": row["基本编码"],
                                      "version": "2026.03-样例", "exported": "2026-03-02",
                                      "file": "sample-export.json", "sample": True}
        assert record["source"].startswith("样例导出数据（虚构，仅用于测试），不是真实办事指南")
        assert [m["name"] for m in record["materials"]] == [m["材料名称"] for m in data["申请材料"]
                                                           if m["实施编码"] == row["实施编码"]]
        assert [f["question"] for f in record["faq"]] == [f["问题"] for f in data["常见问题"]
                                                         if f["实施编码"] == row["实施编码"]]
        assert record["questions"] == [f["question"] for f in record["faq"]]
        assert len(record["aliases"]) >= 2


def test_consistency_warnings_point_at_the_faulty_lines(imported, original_warnings):
    def where(name: str, needle: str) -> tuple[str, int]:
        path = imported.root / "affairs" / f"{affair_id(name)}.yml"
        return f"{imported.root.name}/affairs/{path.name}", line_of(path, needle)

    expected = {
        where("户籍类证明开具", "case_type:"): "办件类型却是“承诺件”",
        where("出入境记录查询", "visits:"): "全程网办（Ⅳ级），跑动次数却是 1",
        where("特困人员认定", "visits:"): "既不能网上办理，也不能邮寄结果",
        where("营业执照补领（遗失、损毁）", "可在浙里办在线支付"): "这里却提到在线支付（“浙里办在线支付”）",
    }
    new = [w for w in imported.warnings if "/affairs/" in w.file and w.file.split("/")[-1][:2].isdigit()]
    assert {(w.file, w.line): w.message for w in new}.keys() == expected.keys()
    for warning in new:
        assert expected[(warning.file, warning.line)] in warning.message
    others = {(w.file.split("/", 1)[1], w.line, w.message) for w in imported.warnings if w not in new}
    merged = {f"affairs/{i}.yml" for i in MERGED_IDS}
    assert {w for w in others if w[0] not in merged} == {(w.file.split("/", 1)[1], w.line, w.message)
                                                         for w in original_warnings if w.file.split("/", 1)[1]
                                                         not in merged}
    for warning in new:  # printed in yellow after the import, as file:line
        assert f"⚠ {warning}" in imported.output


@pytest.mark.parametrize("affair", MERGED_IDS)
def test_merged_affairs_keep_every_hand_written_part(imported, affair):
    before = load_yaml(KNOWLEDGE / "affairs" / f"{affair}.yml")
    after = load_yaml(imported.root / "affairs" / f"{affair}.yml")
    row = basic_row(before["name"])
    for key in HAND_WRITTEN:
        assert after.get(key) == before.get(key), key
    kept = [m for m in before["materials"] if m.get("when") or m.get("exempt") or m.get("part")]
    assert kept, "the merge test needs affairs with situation materials"
    assert [m for m in after["materials"] if m.get("when") or m.get("exempt") or m.get("part")] == kept
    assert set(before["office_kinds"]) <= set(after["office_kinds"])
    phrasings = f"phrasings/{affair}.yml"
    assert imported.after[phrasings] == (KNOWLEDGE / phrasings).read_bytes()
    # the official fields come from the export
    assert after["code"] == row["基本编码"] and after["official"]["implementation_code"] == row["实施编码"]
    assert after["case_type"] == row["办件类型"] and after["visits"] == int(row["到办事现场次数"])
    assert [f["question"] for f in after["faq"]] == [f["问题"] for f in sample()["常见问题"]
                                                    if f["实施编码"] == row["实施编码"]]
    assert after["source"].endswith("手工整理部分（情形问题、按情形的材料、别名和问法）：" + before["source"])
    assert after["verified"] is False
    names = {m["name"] for m in after["materials"]}
    assert {m["材料名称"] for m in sample()["申请材料"] if m["实施编码"] == row["实施编码"]} <= names


def test_the_report_lists_changes_and_what_was_kept(imported):
    output = imported.output
    assert "导入汇总" in output and "新增事项（18 个）" in output
    assert "保留 marriage-registration 的手工内容：情形问题 3 项" in output
    assert "材料“居民户口簿”已有按情形或免提交的手工写法，未改动" in output
    assert "已写入 25 个文件" in output


def test_importing_the_same_file_again_changes_nothing(imported, tmp_path):
    plan = _plan(SAMPLE_JSON, imported.root)
    assert plan.writes == {}
    assert {o.status for o in plan.outcomes} == {UNCHANGED}
    assert len(plan.outcomes) == len(sample()["基本信息"]) + len(sample()["服务大厅"])
    root = _own_copy(imported, tmp_path)
    code, output = run_cli("knowledge", "import", str(SAMPLE_JSON), "--dir", str(root))
    assert code == 0 and "知识库已与导出文件一致，没有文件需要改写" in output
    assert fingerprint(root) == imported.after


def test_an_unchanged_file_is_never_rewritten(imported):
    untouched = set(fingerprint(KNOWLEDGE)) - {f"affairs/{i}.yml" for i in MERGED_IDS} - {
        "offices/hangzhou.yml", "offices/ningbo.yml", "offices/wenzhou.yml", "schema/affair.schema.yml"}
    original = fingerprint(KNOWLEDGE)
    assert all(imported.after[name] == original[name] for name in untouched)


def _changed_export(tmp_path: Path) -> Path:
    data = sample()
    marriage = basic_row("结婚登记")["实施编码"]
    workshop = basic_row("食品小作坊登记")["实施编码"]
    for material in data["申请材料"]:
        if material["实施编码"] == marriage and material["材料名称"] == "近期2寸半身免冠双人合影照片":
            material["纸质材料份数"] = "2"
    data["申请材料"] = [m for m in data["申请材料"] if not (
        m["实施编码"] == marriage and m["材料名称"].startswith("本人无配偶"))]
    data["常见问题"].append({"实施编码": workshop, "问题": "小作坊能在网上卖货吗",
                            "解答": "可以，须在登记范围内经营。"})
    for row in data["基本信息"]:
        if row["实施编码"] == workshop:
            row["承诺办结时限"] = "7"
        if row["事项名称"] == "出入境记录查询":
            row["咨询方式"] = ""
    for hall in data["服务大厅"]:
        if hall["名称"] == "杭州市医疗保障服务大厅":
            hall["联系电话"] = "0571-87009999"
    return write_json(tmp_path / "changed.json", data)


def test_a_changed_export_is_diffed_field_by_field(imported, tmp_path):
    plan = _plan(_changed_export(tmp_path), imported.root)
    changed = {(o.what, o.id): {_key(c.path, c.action, c.old, c.new) for c in o.changes}
               for o in plan.outcomes if o.status != UNCHANGED}
    signature = "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明"
    removed = next(m for m in load_yaml(imported.root / "affairs/marriage-registration.yml")["materials"]
                   if m["name"] == signature)
    file_change = _key("official.file", CHANGED, "sample-export.json", "changed.json")
    faq = {"question": "小作坊能在网上卖货吗", "answer": "可以，须在登记范围内经营。"}
    assert changed == {
        ("事项", "marriage-registration"): {
            _key("materials[近期2寸半身免冠双人合影照片].count", CHANGED, 3, 2),
            _key(f"materials[{signature}]", REMOVED, removed, None), file_change},
        ("事项", affair_id("食品小作坊登记")): {
            _key("time_limit.promised_days", CHANGED, 10, 7),
            _key("faq[小作坊能在网上卖货吗]", ADDED, None, faq), file_change},
        ("事项", affair_id("出入境记录查询")): {
            _key("consult", REMOVED, "拨打0571-87000606", None), file_change},
        ("大厅", "hz-330100-medical-insurance"): {_key("phone", CHANGED, "0571-87000404", "0571-87009999")},
        **{("事项", o.id): {file_change} for o in plan.outcomes
           if o.what == "事项" and o.id not in ("marriage-registration", affair_id("食品小作坊登记"),
                                                affair_id("出入境记录查询"))},
    }
    assert {o.status for o in plan.outcomes if o.what == "事项"} == {UPDATED}


def _key(path: str, action: str, old, new) -> tuple[str, str, str, str]:
    """A field change as a hashable tuple (values by repr)."""
    return path, action, repr(old), repr(new)


def test_dry_run_prints_the_diff_and_writes_nothing(imported, tmp_path):
    root = _own_copy(imported, tmp_path)
    code, output = run_cli("knowledge", "import", str(_changed_export(tmp_path)), "--dir", str(root), "--dry-run")
    assert code == 0
    assert "试运行（--dry-run）" in output and "没有写入任何文件" in output
    assert "事项【结婚登记】" in output and "修改" in output and "删除" in output and "新增" in output
    assert fingerprint(root) == imported.after


def test_an_import_never_verifies_and_undoes_a_check_it_contradicts(imported, tmp_path):
    root = _own_copy(imported, tmp_path)
    path = root / "affairs" / "no-criminal-record.yml"
    checked = 'source_url: https://example.gov.cn/guide\nchecked: "2026-03-05"\nchecked_by: 核对人\nverified: true\n'
    verified = path.read_text(encoding="utf-8").replace("verified: false\n", "") + checked
    path.write_text(verified, encoding="utf-8")
    same = _plan(SAMPLE_JSON, root)
    assert same.writes == {}, "an import that changes nothing leaves a checked affair checked"
    data = sample()
    row = basic_row("无犯罪记录证明")
    row["承诺办结时限"] = "2"
    data["基本信息"] = [row]
    data["申请材料"] = [m for m in data["申请材料"] if m["实施编码"] == row["实施编码"]]
    data["常见问题"] = [f for f in data["常见问题"] if f["实施编码"] == row["实施编码"]]
    data["服务大厅"] = []
    plan = _plan(write_json(tmp_path / "one.json", data), root)
    apply(plan)
    after = load_yaml(path)
    assert after["verified"] is False and "checked" not in after and "checked_by" not in after
    assert after["source_url"] == "https://example.gov.cn/guide"
    outcome = next(o for o in plan.outcomes if o.id == "no-criminal-record")
    assert any("verified: false" in w for w in outcome.warnings)
    assert ("time_limit.promised_days", CHANGED, 1, 2) in {(c.path, c.action, c.old, c.new) for c in outcome.changes}


def test_a_new_affair_without_enough_questions_is_written_with_a_warning(tmp_path):
    data = sample()
    row = basic_row("护士执业注册")
    data["常见问题"] = [f for f in data["常见问题"] if f["实施编码"] != row["实施编码"]][:-1]
    data["常见问题"].append({"实施编码": row["实施编码"], "问题": "护士证怎么注册", "解答": "网上办理。"})
    plan = _plan(write_json(tmp_path / "few.json", data), KNOWLEDGE)  # a plan only reads
    outcome = next(o for o in plan.outcomes if o.name == "护士执业注册")
    assert outcome.status == NEW
    assert KNOWLEDGE / "affairs" / f"{outcome.id}.yml" in plan.writes
    assert any("常见问题只提供了 1 条问法" in w and "至少 3 条" in w for w in outcome.warnings)


def test_halls_are_merged_by_name_and_added_to_their_city(imported):
    hangzhou = {o["id"]: o for o in load_yaml(imported.root / "offices" / "hangzhou.yml")["offices"]}
    xihu = hangzhou["hz-xihu-service-center"]
    assert xihu["location"] == {"lng": 120.130663, "lat": 30.277439}
    assert xihu["also_kinds"] == ["social-security", "medical-insurance", "civil-affairs"]
    assert xihu["phone"] == "0571-87000001" and xihu["verified"] is False
    social = hangzhou["hz-330100-social-security"]
    assert social["place"] == "330100" and social["also_places"] == ["330102", "330105", "330106", "330108"]
    assert "booking" not in social and hangzhou["hz-330100-medical-insurance"]["booking"] == "浙里办“预约办”"
    ningbo = {o["id"]: o for o in load_yaml(imported.root / "offices" / "ningbo.yml")["offices"]}
    assert "location" not in ningbo["nb-330212-market-regulation"]
    wenzhou = {o["id"]: o for o in load_yaml(imported.root / "offices" / "wenzhou.yml")["offices"]}
    assert wenzhou["wz-330302-public-security"]["kind"] == "public-security"
    original = load_yaml(KNOWLEDGE / "offices" / "hangzhou.yml")["offices"]
    assert [o["id"] for o in original] == list(hangzhou)[:len(original)], "existing halls keep their order"


def test_a_fee_said_per_situation_is_kept_by_an_import(tmp_path):
    """Fee cases are hand-written: an import sets the amount and basis the export owns and keeps the cases."""
    root = copy_knowledge(tmp_path)
    path = root / "affairs" / "marriage-registration.yml"
    text = path.read_text(encoding="utf-8")
    case = ("  cases:\n    - when: {marital_history: remarried}\n      amount: 0\n"
            "      note: 再婚登记同样不收费\n")
    text = text.replace("fee:\n  amount: 0\n", "fee:\n  amount: 5\n", 1)  # the export says it is free
    path.write_text(text.replace("online:\n", case + "online:\n", 1), encoding="utf-8")
    code, output = run_cli("knowledge", "import", str(SAMPLE_JSON), "--dir", str(root))
    assert code == 0, output
    fee = load_yaml(path)["fee"]
    assert fee["cases"] == [{"when": {"marital_history": "remarried"}, "amount": 0, "note": "再婚登记同样不收费"}]
    assert fee["amount"] == 0
