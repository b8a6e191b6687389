"""bot.catalog: situation questions, materials per situation, bundles and offices over the real knowledge."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit_helpers import AFFAIR_IDS

from bot.catalog.domain import Material, as_conditions, matches


def _keys(catalog, affair_id, answers):
    return [p.key for p in catalog.pending_questions(catalog.affairs[affair_id], answers)]


def _names(catalog, affair_id, answers):
    return [line.material.name for line in catalog.materials_for(catalog.affairs[affair_id], answers)]


def test_catalog_holds_every_affair_file(catalog):
    assert sorted(catalog.affairs) == AFFAIR_IDS
    assert len(catalog.places) == 101
    assert catalog.places["330110"].name == "余杭区" and catalog.places["330110"].city_code == "330100"
    assert catalog.places["330100"].is_city and not catalog.places["330110"].is_city


def test_pending_questions_in_order_until_answered(catalog):
    assert _keys(catalog, "id-card-reissue", {}) == ["applicant_age", "hukou_place"]
    assert _keys(catalog, "id-card-reissue", {"applicant_age": "minor"}) == ["hukou_place"]
    assert _keys(catalog, "id-card-reissue", {"applicant_age": "minor", "hukou_place": "local"}) == []


def test_ask_if_gates_a_question_on_an_earlier_answer(catalog):
    assert _keys(catalog, "company-change", {}) == ["change_item", "applicant"]
    assert _keys(catalog, "company-change", {"change_item": "name"}) == ["applicant"]
    assert _keys(catalog, "company-change", {"change_item": "capital"}) == ["capital_direction", "applicant"]
    newborn = {"birth_place": "born_zj"}
    assert _keys(catalog, "hukou-newborn", {**newborn, "parents_marriage": "married"}) == ["parents_hukou"]
    assert _keys(catalog, "hukou-newborn", {**newborn, "parents_marriage": "unmarried_mother"}) == []


def test_question_whose_materials_no_longer_apply_is_not_asked(catalog):
    # birth_event decides materials for both benefit types, so it stays; the spouse question too
    assert _keys(catalog, "maternity-benefit", {}) == ["benefit_type", "insured_person", "birth_event"]
    # a question that neither gates another, nor decides a material, nor implies an answer is not asked
    assert "seller_married" in _keys(catalog, "property-transfer", {})
    assert "hire_staff" not in _keys(catalog, "one-thing-business-start", {})  # a preference, never asked


def test_a_bundle_asks_only_what_neither_it_nor_earlier_answers_imply(catalog):
    """出生一件事: a newborn's birth certificate is a first one, its card holder is under 16 and holds a 户口簿;
    whether the family settles in Zhejiang decides the medical-insurance hukou question."""
    keys = _keys(catalog, "one-thing-birth", {})
    assert keys[0] == "hukou_in_zhejiang"
    for implied in ("birth-medical-certificate/apply_type", "social-security-card/applicant_age",
                    "social-security-card/id_type", "medical-insurance-enrollment/person_type"):
        assert implied not in keys
    after = _keys(catalog, "one-thing-birth", {"hukou_in_zhejiang": "zhejiang"})
    assert "medical-insurance-enrollment/hukou_place" not in after
    answered = {"hukou_in_zhejiang": "zhejiang", "hukou-newborn/parents_marriage": "married"}
    implied = catalog.with_implied(catalog.affairs["one-thing-birth"], answered)
    assert implied["medical-insurance-enrollment/hukou_place"] == "local"
    assert implied["social-security-card/applicant_age"] == "minor"


@pytest.mark.parametrize("bundle", ["one-thing-birth", "one-thing-business-start", "one-thing-death",
                                    "one-thing-property-transfer", "one-thing-retirement"])
def test_a_bundle_asks_at_most_four_questions(catalog, bundle):
    """Whatever the answers (every path through the questions is walked)."""
    affair = catalog.affairs[bundle]

    def longest(answers: dict[str, str]) -> list[str]:
        pending = catalog.pending_questions(affair, answers)
        if not pending:
            return []
        first = pending[0]
        paths = [longest({**answers, first.key: o.value}) for o in first.question.options]
        return [first.key, *max(paths, key=len)]

    asked = longest({})
    assert 1 <= len(asked) <= 4, asked


def test_a_preference_is_listed_in_the_answer_not_asked(catalog):
    from bot.dialogue.answers import affair_answer

    card = catalog.affairs["social-security-card"]
    assert "channel" not in [p.key for p in catalog.pending_questions(card, {"applicant_age": "minor"})]
    text = affair_answer(catalog, card, {"applicant_age": "minor", "id_type": "mainland"}, None, "12345").text
    assert "办卡方式（任选其一）：合作银行网点即时制卡；人社/政务服务中心社保卡窗口；浙里办网上申请（邮寄）" in text
    assert "〔办卡方式选“合作银行网点即时制卡”或“人社/政务服务中心社保卡窗口”时需要〕" in text


def test_every_pending_question_decides_something(catalog):
    """For every affair: a question asked at the start is an ask_if gate, a material's condition or implies."""
    for affair in catalog.affairs.values():
        gates = {q for question in affair.situations for q in question.ask_if}
        gates |= {q for implication in affair.implies for q in implication.when}
        conditions = {q for m in affair.materials for q in m.when} | {q for c in affair.situation_cases for q in c.when}
        for pending in catalog.pending_questions(affair, {}):
            if pending.part is None:
                assert pending.question.id in gates | conditions, (affair.id, pending.key)


def test_a_question_that_decides_only_the_fee_is_asked(catalog):
    """A question no material depends on is still asked when the fee depends on it."""
    renew = catalog.affairs["id-card-renew"]
    assert "renew_reason" in {q for c in renew.fee_cases for q in c.when}
    alone = replace(renew, materials=tuple(replace(m, when={k: v for k, v in m.when.items() if k != "renew_reason"})
                                           for m in renew.materials))
    assert "renew_reason" in [p.key for p in catalog.pending_questions(alone, {})]
    free = replace(alone, fee_cases=())
    assert "renew_reason" not in [p.key for p in catalog.pending_questions(free, {})]


def test_pending_questions_of_a_bundle_are_scoped_by_part(catalog):
    keys = _keys(catalog, "one-thing-death", {})
    assert keys[:3] == ["hukou-cancel-death/death_type", "hukou-cancel-death/id_card_status",
                        "funeral-allowance/insurance_type"]
    pending = catalog.pending_questions(catalog.affairs["one-thing-death"], {})
    assert {p.part for p in pending} == {"hukou-cancel-death", "funeral-allowance"}
    answered = _keys(catalog, "one-thing-death", {"funeral-allowance/insurance_type": "employee"})
    assert "funeral-allowance/death_cause" in answered  # its ask_if, scoped to the part
    natural = _keys(catalog, "one-thing-death", {"funeral-allowance/insurance_type": "employee",
                                                 "hukou-cancel-death/death_type": "normal"})
    assert "funeral-allowance/death_cause" not in natural  # implied by a natural death


def test_id_card_reissue_materials_minor_versus_adult(catalog):
    minor = _names(catalog, "id-card-reissue", {"applicant_age": "minor", "hukou_place": "local"})
    adult = _names(catalog, "id-card-reissue", {"applicant_age": "adult", "hukou_place": "local"})
    assert minor == ["居民户口簿", "监护人居民身份证", "居民身份证相片", "户籍信息核验"]
    assert adult == ["居民身份证相片", "户籍信息核验"]
    other = _names(catalog, "id-card-reissue", {"applicant_age": "adult", "hukou_place": "other_province"})
    assert other == ["居民身份证相片", "户籍信息核验", "外省户籍人员本人到场采集指纹"]


def test_unanswered_conditions_list_every_possible_material(catalog):
    assert _names(catalog, "id-card-reissue", {}) == [
        "居民户口簿", "监护人居民身份证", "居民身份证相片", "户籍信息核验", "外省户籍人员本人到场采集指纹"]


def test_hukou_newborn_materials_per_situation(catalog):
    local = _names(catalog, "hukou-newborn", {"birth_place": "born_zj", "parents_marriage": "married",
                                              "parents_hukou": "both_zj"})
    assert local == ["出生医学证明", "落户方居民户口簿", "落户方居民身份证", "另一方居民身份证", "父母结婚证",
                     "父母户籍信息核验", "出生登记申报表", "代为申报人居民身份证"]
    abroad = _names(catalog, "hukou-newborn", {"birth_place": "born_abroad", "parents_marriage": "unmarried_father",
                                               "parents_hukou": "one_foreign"})
    assert "境外出生证明及中文翻译件" in abroad and "亲子鉴定证明" in abroad and "另一方有效身份证件" in abroad
    assert "出生医学证明" not in abroad and "父母结婚证" not in abroad and "另一方居民身份证" not in abroad
    lines = catalog.materials_for(catalog.affairs["hukou-newborn"], {"birth_place": "born_zj"})
    certificate = next(line for line in lines if line.material.name == "出生医学证明")
    assert certificate.material.medium == "paper_or_electronic"  # the born_zj variant, not the other-province one
    marriage = next(line for line in lines if line.material.name == "父母结婚证")
    assert marriage.material.exempt


def test_bundle_merges_parts_without_duplicate_names(catalog):
    lines = catalog.materials_for(catalog.affairs["one-thing-birth"], {"hukou_in_zhejiang": "zhejiang"})
    names = [line.material.name for line in lines]
    assert len(names) == len(set(names))
    assert names[:2] == ['出生"一件事"联办申请表', "《出生医学证明》首次签发登记表（信息确认单）"]
    by_name = {line.material.name: line for line in lines}
    assert by_name['出生"一件事"联办申请表'].parts == ()
    assert by_name["落户方居民户口簿"].parts == ("hukou-newborn",)
    assert by_name["本人近期彩色免冠相片"].parts == ("social-security-card",)
    # a first certificate for a hospital birth needs no paternity test; with the hukou registered here, enrolment
    # follows the joint hukou registration, so only the hukou part asks for the birth certificate
    assert set(by_name["亲子鉴定证明"].parts) == {"hukou-newborn"}
    assert set(by_name["出生医学证明"].parts) == {"hukou-newborn"}


def test_a_document_the_bundle_issues_itself_is_not_brought(catalog):
    by_name = {line.material.name: line.material for line in catalog.materials_for(catalog.affairs["one-thing-birth"],
                                                                                    {})}
    for name, issuer in (("出生医学证明", "出生医学证明签发"), ("居民户口簿（宝宝户籍页）", "出生登记（新生儿落户）")):
        assert by_name[name].exempt and by_name[name].exempt_reason == f"由本次联办中的【{issuer}】出具，无需另带"
    assert not by_name["落户方居民户口簿"].exempt  # the parent's book is brought
    alone = catalog.materials_for(catalog.affairs["hukou-newborn"], {"birth_place": "born_zj"})
    assert not next(line for line in alone if line.material.name == "出生医学证明").material.exempt


def test_bundle_uses_answers_scoped_to_each_part(catalog):
    answers = {"hukou-newborn/birth_place": "born_abroad", "birth_place": "born_zj"}
    names = _names(catalog, "one-thing-birth", answers)
    assert "境外出生证明及中文翻译件" in names
    # an answer given for a part wins over what the bundle implies for it
    assert catalog.with_implied(catalog.affairs["one-thing-birth"], answers)["hukou-newborn/birth_place"] == \
        "born_abroad"


def test_bundle_names_each_part_once(catalog):
    for line in catalog.materials_for(catalog.affairs["one-thing-birth"], {}):
        assert len(line.parts) == len(set(line.parts)), (line.material.name, line.parts)


def test_parts_of_a_bundle(catalog):
    parts = catalog.parts_of(catalog.affairs["one-thing-birth"])
    assert [p.id for p in parts] == ["birth-medical-certificate", "hukou-newborn", "medical-insurance-enrollment",
                                     "social-security-card"]
    assert catalog.parts_of(catalog.affairs["id-card-reissue"]) == []
    assert catalog.affairs["one-thing-birth"].is_bundle and not catalog.affairs["hukou-newborn"].is_bundle


def test_office_in_own_district(catalog):
    match = catalog.office_for(catalog.affairs["id-card-reissue"], catalog.places["330110"])
    assert (match.office.id, match.place.code, match.own_district) == ("hz-yuhang-service-center", "330110", True)


def test_office_falls_back_from_county_to_city(catalog):
    match = catalog.office_for(catalog.affairs["id-card-reissue"], catalog.places["330212"])
    assert (match.office.id, match.place.code, match.own_district) == ("nb-service-center", "330200", False)


def test_specific_hall_kind_beats_the_district_service_centre(catalog):
    # passport is handled by the city's entry-exit hall even though 西湖区 has its own service centre
    match = catalog.office_for(catalog.affairs["passport"], catalog.places["330106"])
    assert (match.office.id, match.office.kind, match.own_district) == ("hz-entry-exit", "entry-exit", False)


def test_office_falls_back_to_the_government_service_centre(catalog):
    affair = catalog.affairs["birth-service-registration"]
    assert "health" in affair.office_kinds
    assert not any(o.kind == "health" for o in catalog.offices)
    match = catalog.office_for(affair, catalog.places["330300"])
    assert (match.office.id, match.office.kind, match.own_district) == ("wz-service-center",
                                                                        "government-service-center", True)


def test_bundle_office_considers_its_parts_kinds(catalog):
    match = catalog.office_for(catalog.affairs["one-thing-birth"], catalog.places["330106"])
    assert match.office.id == "hz-xihu-service-center" and match.own_district


def test_conditions_helpers():
    assert as_conditions({"age": "minor", "n": [1, 2]}) == {"age": ["minor"], "n": ["1", "2"]}
    assert as_conditions(None) == {}
    assert matches({"age": ["minor"]}, {}, unknown_matches=True)
    assert not matches({"age": ["minor"]}, {}, unknown_matches=False)
    assert not matches({"age": ["minor"]}, {"age": "adult"}, unknown_matches=True)
    material = Material("户口簿", "original", 1, when={"age": ["minor"]})
    assert material.applies({}) and material.applies({"age": "minor"}) and not material.applies({"age": "adult"})


def test_a_material_conditional_on_a_question_never_asked_is_not_listed(catalog):
    """A spouse moving in is never asked where a talent will live: the collective household's consent, which
    depends on that answer, is not theirs to bring. For a talent who has not said yet, it may be."""
    consent = "集体户接收落户证明"
    assert consent not in _names(catalog, "hukou-move-in", {"move_reason": "spouse"})
    assert consent in _names(catalog, "hukou-move-in", {"move_reason": "talent"})
    assert consent in _names(catalog, "hukou-move-in", {"move_reason": "talent", "talent_address": "collective"})
    assert consent not in _names(catalog, "hukou-move-in", {"move_reason": "talent", "talent_address": "own_house"})
    # told before the answer it waited on (我住集体户, then: 是投靠配偶): ruled out, the answer no longer counts
    assert consent not in _names(catalog, "hukou-move-in", {"move_reason": "spouse", "talent_address": "collective"})


def test_a_bundle_part_done_only_in_some_situations_is_left_out_with_its_questions_and_materials(catalog):
    """No housing fund account: the retirement bundle withdraws nothing, asks nothing about it, lists nothing."""
    bundle = catalog.affairs["one-thing-retirement"]
    fund = "housing-fund-withdrawal-leave"
    assert "has_housing_fund" not in _keys(catalog, "one-thing-retirement", {})  # told, not asked
    assert [p.key for p in catalog.told_not_asked(bundle, {})] == ["has_housing_fund"]
    none = {"has_housing_fund": "no_fund"}
    assert fund not in [p.id for p in catalog.parts_of(bundle, none)]
    assert not any(k.startswith(fund) for k in _keys(catalog, "one-thing-retirement", none))
    assert not any(fund in line.parts for line in catalog.materials_for(bundle, none))
    some = {"has_housing_fund": "has_fund"}
    assert fund in [p.id for p in catalog.parts_of(bundle, some)]
    assert any(fund in line.parts for line in catalog.materials_for(bundle, some))
    assert [p.id for p in catalog.parts_of(bundle)] == list(bundle.parts)  # without answers: every part


def test_a_birth_registered_outside_zhejiang_leaves_the_newborn_s_registration_out(catalog):
    """Neither parent's hukou in Zhejiang: no Zhejiang registration, no question about it, and the baby's
    户口簿 is not said to come from this bundle."""
    bundle = catalog.affairs["one-thing-birth"]
    away = {"hukou_in_zhejiang": "other_province"}
    assert "hukou-newborn" not in [p.id for p in catalog.parts_of(bundle, away)]
    assert not any(k.startswith("hukou-newborn/") for k in _keys(catalog, "one-thing-birth", away))
    issued = f"由本次联办中的【{catalog.affairs['hukou-newborn'].name}】出具"
    lines = catalog.materials_for(bundle, away)
    assert not any("hukou-newborn" in line.parts for line in lines)
    assert not any(issued in line.material.exempt_reason for line in lines)
    here = catalog.materials_for(bundle, {"hukou_in_zhejiang": "zhejiang"})
    assert any(issued in line.material.exempt_reason for line in here)


@pytest.mark.parametrize("bundle, answers, names", [
    ("one-thing-death", {}, ["办理人居民身份证"]),
    ("one-thing-birth", {"hukou_in_zhejiang": "zhejiang"}, ["父母双方居民身份证"]),
    ("one-thing-retirement", {}, ["本人居民身份证"]),
])
def test_a_bundle_lists_one_document_once_whatever_its_parts_call_it(catalog, bundle, answers, names):
    """The applicant's ID card is the 申报人's, 申领人's and 申请人's in the death bundle's parts: one entry, for
    every part that needs it."""
    lines = catalog.materials_for(catalog.affairs[bundle], answers)
    id_cards = [line for line in lines if "居民身份证" in line.material.name and not line.material.exempt
                and not any(other in line.material.name for other in ("代", "死者"))]
    assert [line.material.name for line in id_cards] == names
    assert len(id_cards[0].parts) >= 2


def test_a_document_one_part_needs_brought_is_not_also_said_to_need_no_bringing(catalog):
    """The transfer takes the property certificate back; the utilities part reads the same record by shared data:
    the certificate is listed to bring, once, and not under 无需提供 too."""
    lines = catalog.materials_for(catalog.affairs["one-thing-property-transfer"], {})
    about = [(line.material.name, line.material.exempt) for line in lines if "不动产权证书" in line.material.name]
    assert about == [("不动产权证书（房屋所有权证）", False)]
    death = catalog.materials_for(catalog.affairs["one-thing-death"], {"hukou-cancel-death/death_type": "unnatural"})
    held = [line.material.name for line in death if line.material.exempt and "死亡" in line.material.name]
    assert held == ["死亡信息（居民死亡医学证明、火化证明或户口注销信息）"]  # two parts' records, said once


def test_a_birth_bundle_for_parents_of_another_province_asks_for_no_page_of_a_hukou_not_yet_registered(catalog):
    """Neither parent's hukou in Zhejiang: the child's hukou is registered at home later, so the bundle does the
    birth certificate and the insurance (enrolled with the certificate it issues), and no 户口簿 page is asked for."""
    bundle = catalog.affairs["one-thing-birth"]
    answers = {"hukou_in_zhejiang": "other_province"}
    assert [p.id for p in catalog.parts_of(bundle, answers)] == ["birth-medical-certificate",
                                                                  "medical-insurance-enrollment"]
    brought = [line.material.name for line in catalog.materials_for(bundle, answers) if not line.material.exempt]
    assert not [name for name in brought if "户口簿" in name], brought
    local = [line.material.name for line in catalog.materials_for(bundle, {"hukou_in_zhejiang": "zhejiang"})]
    assert "落户方居民户口簿" in local


def test_the_birth_bundle_says_each_document_once_and_none_both_needed_and_not(catalog):
    """The child's 户口簿 page (two names in two parts) is said once; nothing to bring is also said to be held."""
    lines = catalog.materials_for(catalog.affairs["one-thing-birth"], {"hukou_in_zhejiang": "zhejiang"})
    held = [line.material.name for line in lines if line.material.exempt]
    assert [name for name in held if "户口簿" in name] == ["居民户口簿（宝宝户籍页）"]
    brought = {line.material.name for line in lines if not line.material.exempt}
    assert not brought & set(held) and "父母双方居民身份证" in brought
    assert not [name for name in held if "父母身份" in name], held  # the ID cards are brought, not held
