"""bot.dialogue.revisions, through the turns: a later reply that takes back an earlier situation answer."""

from __future__ import annotations

import pytest

from bot.dialogue import turns as T

HOTLINE = "12345"


def _at(affair: str, **answers: str) -> T.State:
    return T.State(affair=affair, affair_state=T.RESOLVED, answers=answers)


def _pending_key(snapshot, state: T.State) -> str | None:
    pending = snapshot.catalog.pending_questions(snapshot.catalog.affairs[state.affair], state.answers)
    return pending[0].key if pending else None


def test_an_earlier_age_taken_back_is_changed_and_the_question_asked_stays_open(snapshot):
    state = _at("id-card-reissue", applicant_age="adult")
    assert _pending_key(snapshot, state) == "hukou_place"
    turn = T.take_situation_answer(snapshot, state, "不对，我记错了，还没满16")
    assert turn.state.answers == {"applicant_age": "minor"}  # 不对 is no 外省户口
    assert [r.text for r in turn.replies] == ["好的，已改为：未满16周岁。"]
    assert _pending_key(snapshot, turn.state) == "hukou_place"


@pytest.mark.parametrize("affair, before, reply, after, said", [
    # in other words, read as its question reads replies
    ("divorce-registration", {"stage": "apply"}, "说错了，冷静期已经满了", {"stage": "collect"},
     "好的，已改为：冷静期满，去领离婚证。"),
    # starts with no, and answers the question asked: nothing earlier changes
    ("id-card-reissue", {"applicant_age": "minor"}, "不是，是外省",
     {"applicant_age": "minor", "hukou_place": "other_province"}, None),
    # another option's label of an earlier question, typed or tapped (its button is no longer shown)
    ("id-card-reissue", {"applicant_age": "minor"}, "已满16周岁", {"applicant_age": "adult"},
     "好的，已改为：已满16周岁。"),
    # a mistake owned, without the right answer: asked for it
    ("id-card-reissue", {"applicant_age": "adult"}, "我记错了", {"applicant_age": "adult"},
     "好的。目前记下的是：已满16周岁。请直接说要改成什么，比如“未满16周岁”。"),
])
def test_a_reply_that_takes_an_answer_back(snapshot, affair, before, reply, after, said):
    turn = T.take_situation_answer(snapshot, _at(affair, **before), reply)
    assert turn.state.answers == after
    assert [r.text for r in turn.replies] == ([said] if said else [])


def test_an_option_word_of_an_earlier_question_without_taking_it_back_answers_the_question_asked(snapshot):
    state = _at("company-change", change_item="name")  # 法人 is also a word of 法定代表人变更
    key = _pending_key(snapshot, state)
    turn = T.take_situation_answer(snapshot, state, "我就是法人")
    assert turn.state.answers == {"change_item": "name"}
    assert turn.state.suggested_answer.startswith(f"{key}:")  # 您是说“法定代表人本人办理”吗？


def test_a_changed_answer_drops_the_answers_only_the_old_one_asked_for(snapshot):
    state = _at("hukou-move-in", move_reason="talent", talent_address="own_house")
    assert T.required_slots(snapshot, state) == ["district"]
    turn = T.take_district(snapshot, state, "不对，我搞错了，是买房落户", None, HOTLINE)
    assert turn.state.answers == {"move_reason": "house"}
    assert turn.replies[0].text == "好的，已改为：购房落户（自有住房）。"


def test_a_fact_restated_at_the_district_question_is_acknowledged_and_the_place_asked_again(snapshot):
    state = _at("housing-fund-withdrawal-leave", reason="leave_job")
    turn = T.take_district(snapshot, state, "离职半年了", None, HOTLINE)
    assert turn.state.answers == {"reason": "leave_job"} and turn.state.district is None
    assert [r.text for r in turn.replies] == ["好的，这一点已经记下了：离职、辞职。"]
    changed = T.take_district(snapshot, state, "不对，是退休了", None, HOTLINE)
    assert changed.state.answers == {"reason": "retire"} and changed.state.district is None


def test_an_answer_taken_back_after_the_guide_opens_the_form_again(snapshot):
    state = T.State(affair="id-card-reissue", affair_state=T.DONE, district="330106",
                    answers={"applicant_age": "adult", "hukou_place": "local"})
    turn = T.understand(snapshot, state, "不对，我记错了，其实是外省户口", "deny", None, HOTLINE)
    assert turn.state.affair_state == T.RESOLVED and turn.state.affair == "id-card-reissue"
    assert turn.state.answers == {"applicant_age": "adult", "hukou_place": "other_province"}
    assert turn.replies[0].text == "好的，已改为：外省户口。"
    guide = T.full_answer(snapshot, turn.state, HOTLINE)
    assert "外省户籍人员本人到场采集指纹" in guide.replies[0].text



@pytest.mark.parametrize("affair, before, reply, after, asked_next", [
    # the seller's loan paid off: no word of how the buyer pays
    ("property-transfer", {"seller_married": "married"}, "贷款还清了", {"seller_married": "married",
                                                                   "seller_mortgage": "no_mortgage"}, "buyer_loan"),
    ("property-transfer", {"seller_married": "single"}, "房东贷款还没还完，想带押过户",
     {"seller_married": "single", "seller_mortgage": "with_mortgage"}, "buyer_loan"),
    # the buyer paid in full: nothing said of the seller's mortgage
    ("property-transfer", {"seller_married": "single"}, "我全款",
     {"seller_married": "single", "buyer_loan": "full_payment"}, "seller_mortgage"),
    # a friend sold the car: a sale, and who will handle it is still to ask
    ("vehicle-transfer", {}, "朋友卖给我的", {"transfer_way": "sale"}, "buyer_type"),
    # the bank will file the cancellation: said in the person's words
    ("property-mortgage-cancel", {"mortgagee_type": "bank"}, "银行说会帮我弄",
     {"mortgagee_type": "bank", "apply_way": "online_by_lender"}, None),
    # 已结婚: the parents are married (then their hukou is asked)
    ("hukou-newborn", {"birth_place": "born_zj"}, "已结婚", {"birth_place": "born_zj", "parents_marriage": "married"},
     "parents_hukou"),
    # 病走的: died of illness
    ("funeral-allowance", {"insurance_type": "employee"}, "病走的",
     {"insurance_type": "employee", "death_cause": "non_work"}, None),
    # 我帮她办: a relative applies for the elderly person
    ("elderly-allowance", {}, "我帮她办", {"applicant": "agent"}, "payment_account"),
    # the family's own house is the premises; who applies is still to ask
    ("company-registration", {"company_type": "limited", "shareholder_kind": "natural_only"}, "自己家的房子",
     {"company_type": "limited", "shareholder_kind": "natural_only", "premises": "own_property"}, "applicant"),
])
def test_an_answer_records_only_what_it_says(snapshot, affair, before, reply, after, asked_next):
    turn = T.take_situation_answer(snapshot, _at(affair, **before), reply)
    assert turn.state.answers == after
    assert _pending_key(snapshot, turn.state) == asked_next
