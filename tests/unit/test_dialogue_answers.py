"""bot.dialogue.answers: the texts people read, built from the real catalog."""

from __future__ import annotations

from dataclasses import replace

from unit_helpers import HOTLINE

from bot.catalog.catalog import OfficeMatch
from bot.catalog.domain import Office
from bot.dialogue import answers as A

MINOR_LOCAL = {"applicant_age": "minor", "hukou_place": "local"}


def _answer(catalog, affair_id, answers, code):
    place = catalog.places.get(code) if code else None
    return A.affair_answer(catalog, catalog.affairs[affair_id], answers, place, HOTLINE)


def test_affair_answer_lists_situation_materials(catalog):
    reply = _answer(catalog, "id-card-reissue", MINOR_LOCAL, "330110")
    lines = reply.text.splitlines()
    assert lines[0] == "【居民身份证补领（遗失）】公安"
    assert lines[1] == "您的情况：未满16周岁、浙江户口"
    assert lines[2] == "办理条件：" + "；".join(catalog.affairs["id-card-reissue"].conditions)
    assert lines[3] == "需要准备的材料："
    assert lines[4] == "1. 居民户口簿：原件1份（纸质）；未满16周岁的申请人须提交"
    assert lines[5].startswith("2. 监护人居民身份证：原件1份（纸质或电子）")
    assert lines[6].startswith("3. 居民身份证相片：原件1份（纸质或电子）")
    assert lines[7] == "以下无需提供，窗口通过数据共享直接核验："
    assert lines[8].startswith("· 户籍信息核验（户籍信息由窗口通过公安人口信息系统直接核验")
    assert "外省户籍人员本人到场采集指纹" not in reply.text
    assert reply.buttons == A.FOLLOW_UPS


def test_affair_answer_for_an_adult_leaves_out_minor_materials(catalog):
    text = _answer(catalog, "id-card-reissue", {"applicant_age": "adult", "hukou_place": "local"}, "330110").text
    assert "1. 居民身份证相片" in text
    assert "居民户口簿" not in text and "监护人居民身份证" not in text


def test_affair_answer_gives_office_fee_time_online_visits(catalog):
    text = _answer(catalog, "id-card-reissue", MINOR_LOCAL, "330110").text
    assert ("办理地点：杭州市余杭区政务服务中心\n  地址：暂未收录\n  办公时间：暂未收录\n"
            f"  电话：暂未收录（可拨打 {HOTLINE} 咨询）\n") in text
    assert f"以上大厅信息尚未核实，出发前请拨打 {HOTLINE} 确认地址和时间。" in text
    assert "办理时限：承诺15个工作日内办结（法定时限60个自然日）。" in text
    assert "收费：40元（丢失补领工本费40元；可选择邮寄，邮费由申请人承担）" in text
    assert "网上办理：需到窗口办理。" in text
    assert "跑动次数：最多跑一次，办好后可选择邮寄到家" in text
    assert "是否本人到场：需本人到场采集人像和指纹" in text
    assert text.endswith("提示：本指南尚未与官方办事指南逐项核对，出发前请在浙里办查看或拨打 12345 确认。")
    assert "核对日期" not in text  # nobody checked: no date


def test_affair_answer_without_district_asks_for_it(catalog):
    text = _answer(catalog, "passport", {}, None).text
    assert "办理地点：请告诉我您在哪个市、区县，我帮您查对应的办事大厅。" in text
    assert "收费：120元" in text


def test_copies_and_originals_are_named(catalog):
    newborn = catalog.affairs["hukou-newborn"]
    answers = {"birth_place": "born_abroad", "parents_marriage": "unmarried_father", "parents_hukou": "one_foreign"}
    lines = A.material_lines(catalog, newborn, catalog.materials_for(newborn, answers))
    assert lines[0].startswith("1. 境外出生证明及中文翻译件：原件和复印件1份（纸质）；")
    company = catalog.affairs["company-registration"]
    text = "\n".join(A.material_lines(catalog, company, catalog.materials_for(company, {})))
    assert "股东（发起人）身份证明：复印件1份" in text


def test_free_online_same_day_affair(catalog):
    newborn = catalog.affairs["hukou-newborn"]
    assert A.fee_text(newborn, {}) == "收费：不收费（出生登记不收费）"
    filing = catalog.affairs["cross-region-medical-filing"]  # its note is 不收费 too
    assert filing.fee.get("note") == "不收费" and A.fee_text(filing, {}) == "收费：不收费"
    assert A.online_text(newborn).startswith("网上办理：可以网上办理（浙里办）。在浙江省内医院出生")
    assert A.time_limit_text(newborn).startswith("办理时限：即办（当场办结）。法律未规定办结时限")
    assert A.visits_text(newborn, {}) == "跑动次数：零次跑，全程网上办，办好后可选择邮寄到家"


def test_bundle_answer_names_parts(catalog):
    text = _answer(catalog, "one-thing-birth", {}, "330106").text
    assert "一次办齐：出生医学证明、新生儿落户、居民医保参保、社保卡首次申领" in text
    assert (". 落户方居民户口簿：原件1份（纸质）；孩子将登记在这本户口簿上，"
            "窗口会为孩子增加户口页〔用于：新生儿落户〕\n") in text
    assert "办理地点：杭州市西湖区政务服务中心" in text


def test_a_verified_affair_names_its_source_and_date(catalog):
    affair = replace(catalog.affairs["id-card-reissue"], verified=True, source="浙江政务服务网办事指南",
                     source_url="https://www.zjzwfw.gov.cn/example", checked="2026-12-01", checked_by="示例核对人")
    text = A.affair_answer(catalog, affair, MINOR_LOCAL, None, HOTLINE).text
    assert "提示：本指南尚未" not in text
    assert text.endswith("来源：浙江政务服务网办事指南（https://www.zjzwfw.gov.cn/example），2026-12-01 核对。")


def test_office_text_fallback_and_missing(catalog):
    affair = catalog.affairs["id-card-reissue"]
    yinzhou = catalog.places["330212"]
    text = A.office_text(catalog, catalog.office_for(affair, yinzhou), yinzhou, HOTLINE)
    assert text.startswith("办理地点：宁波市行政服务中心（暂未收录宁波市鄞州区本地大厅，先为您列出宁波市的）")
    assert A.office_text(catalog, None, yinzhou, HOTLINE) == \
        f"办理地点：暂未收录宁波市鄞州区的办事大厅信息，请拨打 {HOTLINE} 咨询。"


def _match(catalog, hours, verified, address="杭州市余杭区临平大道1号"):
    office = Office(id="x", name="余杭区市民之家", kind="government-service-center", place="330110",
                    address=address, window="B区", hours=hours, phone="0571-00000000", verified=verified, source="测试")
    return OfficeMatch(office, catalog.places["330110"], own_district=True)


def test_hours_text(catalog):
    place = catalog.places["330110"]
    assert A.hours_text(catalog, _match(catalog, "工作日 9:00-17:00", True), place, HOTLINE) == \
        "余杭区市民之家的办公时间：工作日 9:00-17:00"
    assert A.hours_text(catalog, _match(catalog, "工作日 9:00-17:00", False), place, HOTLINE).endswith(
        f"（尚未核实，请拨打 {HOTLINE} 确认）")
    unknown = A.hours_text(catalog, _match(catalog, None, True), place, HOTLINE)
    assert unknown.startswith(f"余杭区市民之家的办公时间暂未收录，请拨打 {HOTLINE} 确认。")
    real = catalog.office_for(catalog.affairs["id-card-reissue"], place)
    assert A.hours_text(catalog, real, place, HOTLINE).startswith(
        f"杭州市余杭区政务服务中心的办公时间暂未收录，请拨打 {HOTLINE}")


def test_office_text_of_a_verified_office(catalog):
    text = A.office_text(catalog, _match(catalog, "工作日 9:00-17:00", True), catalog.places["330110"], HOTLINE)
    assert text.splitlines() == ["办理地点：余杭区市民之家", "  地址：杭州市余杭区临平大道1号", "  窗口：B区",
                                 "  办公时间：工作日 9:00-17:00", "  电话：0571-00000000"]


def test_detail_reply_and_clarify_reply(catalog):
    affair = catalog.affairs["id-card-reissue"]
    in_person = A.detail_reply(catalog, affair, "in_person", {}, None, HOTLINE)
    assert in_person.text.startswith("【身份证补领】是否本人到场：")
    assert A.detail_reply(catalog, affair, "unknown", {}, None, HOTLINE).text == \
        "【身份证补领】办理地点：请告诉我您在哪个市、区县，我帮您查对应的办事大厅。"
    reply = A.clarify_reply(catalog, ["id-card-renew", "id-card-reissue", "no-such-affair"])
    assert reply.text.startswith("您想办的是下面哪一项？")
    assert reply.text.endswith("\n1. 身份证换领\n2. 身份证补领")
    named = A.clarify_reply(catalog, ["id-card-renew", "id-card-reissue"], topic="办居民身份证")
    assert named.text.startswith("关于“办居民身份证”，您要办的是下面哪一项？") and named.buttons == reply.buttons
    assert reply.as_rasa()["buttons"] == [
        {"title": "身份证换领", "payload": '/choose_affair{"affair_choice":"id-card-renew"}'},
        {"title": "身份证补领", "payload": '/choose_affair{"affair_choice":"id-card-reissue"}'},
        {"title": "都不是", "payload": '/choose_affair{"affair_choice":"none"}'}]


def test_unknown_hours_are_said_to_be_unknown_and_nothing_is_made_up(catalog):
    place = catalog.places["330110"]
    text = A.hours_text(catalog, _match(catalog, None, False), place, HOTLINE)
    assert text == f"余杭区市民之家的办公时间暂未收录，请拨打 {HOTLINE} 确认。"


def test_a_hall_shows_booking_and_a_map_link_only_when_on_record(catalog):
    place = catalog.places["330110"]
    plain = _match(catalog, "工作日 9:00-17:00", False)
    text = A.office_text(catalog, plain, place, HOTLINE)
    assert "预约" not in text and "地图" not in text
    assert "  电话：0571-00000000" in text
    office = replace(plain.office, booking="浙里办“办事预约”提前一天预约", location=(120.30, 30.42))
    text = A.office_text(catalog, OfficeMatch(office, place, own_district=True), place, HOTLINE)
    assert "  预约：浙里办“办事预约”提前一天预约" in text
    link = next(line for line in text.splitlines() if line.startswith("  地图："))
    assert link.startswith("  地图：https://uri.amap.com/marker?position=120.300000%2C30.420000&name=")


def test_conditions_and_notes_are_shown(catalog):
    affair = catalog.affairs["birth-service-registration"]
    assert affair.conditions and affair.notes
    text = _answer(catalog, affair.id, {"residence": "local", "child_born": "born"}, "330106").text
    assert "办理条件：" + "；".join(affair.conditions) in text
    notes = text.split("注意事项：\n", 1)[1].splitlines()
    assert notes[:len(affair.notes)] == [f"· {note}" for note in affair.notes]


def test_the_structured_guide_says_what_the_text_says(catalog):
    reply = _answer(catalog, "id-card-reissue", MINOR_LOCAL, "330110")
    data = reply.as_rasa()["json_message"]
    assert data["type"] == "onevisit.guide" and data["affair"]["id"] == "id-card-reissue"
    numbered = [line for line in reply.text.splitlines() if line[:1].isdigit() and ". " in line]
    assert [m["name"] for m in data["materials"]] == [line.split(". ", 1)[1].split("：")[0] for line in numbered]
    assert data["materials"][0] == {"name": "居民户口簿", "form": "原件", "count": 1, "medium": "纸质",
                                    "notes": "未满16周岁的申请人须提交", "needed_when": "", "for": ""}
    assert [e["name"] for e in data["exempt"]] == ["户籍信息核验"]
    assert data["office"]["name"] == "杭州市余杭区政务服务中心" and data["office"]["address"] is None
    assert data["office"]["phone"] is None and data["office"]["map_url"] is None
    assert data["office"]["note"] == f"以上大厅信息尚未核实，出发前请拨打 {HOTLINE} 确认地址和时间。"
    rows = {row["label"]: row["value"] for row in data["rows"]}
    assert set(rows) == {"办理时限", "收费", "网上办理", "跑动次数", "是否本人到场"}
    for label, value in rows.items():
        assert f"{label}：{value}" in reply.text
    assert data["provenance"] == reply.text.splitlines()[-1]


def test_the_fee_said_is_the_one_of_the_person_s_situation(catalog):
    """A damaged ID card costs 40 yuan where an expired one costs 20; only endorsing a permit costs no permit fee."""
    renew = catalog.affairs["id-card-renew"]
    assert A.fee_text(renew, {"renew_reason": "damaged"}).startswith("收费：40元（损坏换领工本费40元")
    assert A.fee_text(renew, {"renew_reason": "expired"}).startswith("收费：20元（到期换领、信息变更换领工本费20元")
    assert "40元" not in A.fee_text(renew, {"renew_reason": "expired"})
    unknown = A.fee_text(renew, {})  # the situation not yet said: the affair's fee with its note on every case
    assert unknown.startswith("收费：20元（") and "损坏换领工本费40元" in unknown
    damaged = {"renew_reason": "damaged", "applicant_age": "adult", "hukou_place": "local"}
    assert "收费：40元（" in _answer(catalog, "id-card-renew", damaged, None).text
    reply = A.detail_reply(catalog, renew, "fee", damaged, None, HOTLINE)
    assert reply.text.startswith("【身份证换领】收费：40元（")
    permit = catalog.affairs["hk-macau-permit"]
    assert A.fee_text(permit, {"apply_type": "endorsement_only"}).startswith("收费：15元（只办签注不收通行证费用")
    assert A.fee_text(permit, {"apply_type": "first"}).startswith("收费：60元（")
    residence = catalog.affairs["residence-permit"]  # charged at a local rate: not 不收费
    assert A.fee_text(residence, {"service": "replace"}).startswith("收费：按当地标准收费（换领、补领收取证件工本费")
    assert A.fee_text(residence, {"service": "first"}).startswith("收费：不收费（")


def test_a_detail_reply_carries_no_structure(catalog):
    reply = A.detail_reply(catalog, catalog.affairs["passport"], "fee", {}, None, HOTLINE)
    assert "json_message" not in reply.as_rasa()


def test_a_hall_serves_the_extra_kinds_and_districts_it_lists(catalog):
    affair = catalog.affairs["housing-fund-withdrawal-rent"]
    xihu = catalog.places["330106"]
    assert catalog.office_for(affair, xihu).office.kind != "tax"
    hall = Office(id="t", name="西湖区综合窗口", kind="tax", place="330105", address=None, window="", hours=None,
                  phone=None, verified=False, source="测试", also_kinds=tuple(affair.office_kinds[:1]),
                  also_places=("330106",))
    found = replace(catalog, offices=[hall, *catalog.offices]).office_for(affair, xihu)
    assert found.office.id == "t" and found.own_district


def test_what_a_benefit_pays_is_said_from_the_guide_s_notes_or_not_at_all(catalog):
    claim = catalog.affairs["unemployment-benefit"]
    text = A.benefit_text(claim, HOTLINE)
    figures = [n.strip("。") for n in claim.notes if A.BENEFIT_FIGURES.search(n)]
    assert figures and text.startswith("能领多少、领多久，办事指南里是这样写的：" + figures[0])
    bare = replace(claim, notes=("可在浙里办查询办理进度",))
    assert A.benefit_text(bare, HOTLINE).startswith("能领多少、领多久，要按您的情况和当地标准核定，"
                                                    "办事指南里没有写统一的数字")
    reply = A.detail_reply(catalog, claim, "benefit", {}, None, HOTLINE)
    assert reply.text == f"【{claim.short_name}】{text}"


def test_how_often_is_said_from_the_guide_s_notes_or_not_at_all(catalog):
    rent = catalog.affairs["housing-fund-withdrawal-rent"]
    said = [n.strip("。") for n in rent.notes if A.HOW_OFTEN.search(n)]
    assert said and A.frequency_text(rent, HOTLINE).startswith("多久能办一次，办事指南里是这样写的：" + said[0])
    bare = replace(rent, notes=("材料请妥善保存",))
    assert A.frequency_text(bare, HOTLINE).startswith("多久能办一次，办事指南里没有写。")
    reply = A.detail_reply(catalog, rent, "frequency", {}, None, HOTLINE)
    assert reply.text == f"【{rent.short_name}】{A.frequency_text(rent, HOTLINE)}"


def test_what_one_pays_in_is_said_from_the_guide_or_is_the_fee(catalog):
    insurance = catalog.affairs["flexible-employment-insurance"]
    terms = [c for text in (insurance.fee.get("note", ""), *insurance.conditions, *insurance.notes)
             for c in text.split("；") if A.PREMIUM_TERMS.search(c)]
    text = A.premium_text(insurance, {}, HOTLINE)
    assert terms
    assert text.startswith("办理本身不收费。每月或每年要交多少，办事指南里是这样写的：" + terms[0].strip("。"))
    assert text.endswith(f"也可以拨打 {HOTLINE} 咨询。")
    plain = replace(insurance, notes=(), conditions=(), fee={"amount": 0, "note": "参保登记本身不收费"})
    assert A.premium_text(plain, {}, HOTLINE) == A.fee_text(plain, {}) == "收费：不收费（参保登记本身不收费）"
    reply = A.detail_reply(catalog, insurance, "premium", {}, None, HOTLINE)
    assert reply.text == f"【{insurance.short_name}】{text}"


def test_what_an_answer_must_know_first_comes_right_after_the_situation(catalog):
    claim = catalog.affairs["unemployment-benefit"]
    [notice] = [o.notice for q in claim.situations for o in q.options if o.value == "voluntary"]
    reply = _answer(catalog, "unemployment-benefit", {"leave_reason": "voluntary"}, None)
    lines = reply.text.splitlines()
    assert lines[1].startswith("您的情况：本人主动辞职") and lines[2] == f"请注意：{notice}"
    assert reply.data["notices"] == [notice]
    forced = _answer(catalog, "unemployment-benefit", {"leave_reason": "forced", "separation_filed": "filed"}, None)
    assert "请注意：" not in forced.text and forced.data["notices"] == []


def test_the_trips_said_are_those_of_the_person_s_situation(catalog):
    """A car that must be inspected goes to a testing station once; an exempt one is done online."""
    mark = catalog.affairs["vehicle-inspection-mark"]
    exempt = {"vehicle_kind": "private_small", "car_age": "exempt_year"}
    assert A.visits_text(mark, exempt) == "跑动次数：零次跑，全程网上办"
    inspected = A.visits_text(mark, {"vehicle_kind": "private_small", "car_age": "inspect_year"})
    assert inspected.startswith("跑动次数：最多跑一次（") and "检验机构" in inspected
    assert A.visits_text(mark, {"vehicle_kind": "other"}).startswith("跑动次数：最多跑一次（")
    assert "跑动次数：最多跑一次（" in _answer(catalog, "vehicle-inspection-mark", {"vehicle_kind": "other"}, None).text
    birth = catalog.affairs["one-thing-birth"]
    assert A.visits_text(birth, {"hukou_in_zhejiang": "zhejiang"}).startswith("跑动次数：最多跑一次，")  # the 户口簿
    assert A.visits_text(birth, {"hukou_in_zhejiang": "other_province"}).startswith("跑动次数：最多跑一次（")
    query = catalog.affairs["property-record-query"]  # one's own record online; an heir's at the window
    assert A.visits_text(query, {"applicant": "self", "include_family": "self_only"}).startswith("跑动次数：零次跑")
    for applicant in ("agent", "heir", "interested"):
        assert A.visits_text(query, {"applicant": applicant}).startswith("跑动次数：最多跑一次（"), applicant


def test_a_bundle_s_guide_names_only_the_parts_done(catalog):
    none = {"has_housing_fund": "no_fund", "retirement-pension/retire_type": "normal"}
    text = _answer(catalog, "one-thing-retirement", none, None).text
    assert "一次办齐：退休养老金申领" in text and "退休离职提取" not in text and "住房公积金提取申请表" not in text


def test_a_divorce_takes_two_trips_and_one_more_once_applied(catalog):
    """Its guide said 最多跑一次 while it says both must come twice (to apply, and for the certificate)."""
    from bot.dialogue.answers import visits_text

    divorce = catalog.affairs["divorce-registration"]
    assert visits_text(divorce, {"stage": "apply"}).startswith("跑动次数：需要跑两次（双方必须亲自共同到场两次")
    assert visits_text(divorce, {"stage": "collect"}) == \
        "跑动次数：最多跑一次（冷静期满后双方一起到原受理的登记机关领证）"
    assert visits_text(catalog.affairs["id-card-reissue"], {}).startswith("跑动次数：最多跑一次")


def test_what_a_tax_affair_costs_is_its_tax_not_its_nil_fee(catalog):
    """购置税要交多少钱 had been told 收费：不收费, the headline of the handling fee, the opposite of the answer."""
    tax = catalog.affairs["vehicle-purchase-tax"]
    for detail in ("fee", "premium"):
        said = A.detail_reply(catalog, tax, detail, {}, None, HOTLINE).text
        assert said.startswith("【车辆购置税】要交哪些税、交多少，办事指南里是这样写的：") and "计税价格×10%" in said
    passport = A.detail_reply(catalog, catalog.affairs["passport"], "fee", {}, None, HOTLINE).text
    assert passport.startswith("【护照办理】收费：")
