"""bot.dialogue.handoff and bot.dialogue.rating: what the agent is told and what the person hears."""

from __future__ import annotations

import json

import pytest
from unit_helpers import HOTLINE

from bot.dialogue import handoff as H
from bot.dialogue import rating as R
from bot.dialogue import turns as T


def test_the_summary_tells_the_agent_the_story_so_far(catalog):
    events = [{"event": "user", "text": "身份证丢了怎么补办"}, {"event": "action", "name": "action_listen"},
              {"event": "bot", "text": "好的，您要办的是【居民身份证补领（遗失）】。\n第二行"},
              {"event": "user", "text": "未满16周岁"}, {"event": "bot", "text": ""}]
    story = H.summary(catalog, "id-card-reissue", {"applicant_age": "minor", "hukou_place": "local"}, "330110",
                      events)
    assert story["affair"] == "id-card-reissue" and story["affair_name"] == "居民身份证补领（遗失）"
    assert story["answers"] == ["未满16周岁", "浙江户口"]
    assert story["district"] == "杭州市余杭区"
    assert story["answered"] == "好的，您要办的是【居民身份证补领（遗失）】。"
    assert story["last_turns"] == [{"who": "user", "text": "身份证丢了怎么补办"},
                                   {"who": "bot", "text": "好的，您要办的是【居民身份证补领（遗失）】。\n第二行"},
                                   {"who": "user", "text": "未满16周岁"}]


def test_a_summary_without_an_affair_keeps_only_the_turns(catalog):
    events = [{"event": "user", "text": f"第{n}句"} for n in range(15)]
    story = H.summary(catalog, None, {}, None, events)
    assert (story["affair"], story["affair_name"], story["answers"], story["district"]) == ("", "", [], "")
    assert [t["text"] for t in story["last_turns"]] == [f"第{n}句" for n in range(5, 15)]


def test_queued_and_closed_replies_carry_their_state():
    queued = H.queued_reply(3, 42)
    assert "第 3 位" in queued.text and queued.data == {"type": H.HANDOFF_TYPE, "status": "queued",
                                                         "position": 3, "ticket": 42}
    closed = H.closed_reply(H.hours_label("mon-fri 08:30-17:30"), HOTLINE)
    assert "（工作日 08:30-17:30）" in closed.text and f"拨打 {HOTLINE}" in closed.text
    assert closed.data["status"] == "closed"


def test_two_misses_in_a_row_reach_the_limit_and_a_full_answer_resets_them(snapshot):
    first = T.understand(snapshot, T.State(), "今天天气怎么样", None, None, HOTLINE)
    assert T.is_miss(T.State(), first) and not T.misses_reached(T.State(), first)
    second = T.understand(snapshot, first.state, "帮我订一张去北京的机票", None, None, HOTLINE)
    assert T.misses_reached(first.state, second)
    named = T.understand(snapshot, T.State(), "护照怎么办", None, None, HOTLINE)
    assert not T.is_miss(T.State(), named)
    answered = T.full_answer(snapshot, T.State(affair="passport", affair_state=T.RESOLVED, district="330106",
                                               clarify_failures=1), HOTLINE)
    assert answered.state.clarify_failures == 0 and T.gave_full_answer(answered)
    assert not T.gave_full_answer(first)


def _payload(button: str) -> tuple[str, dict]:
    intent, _, body = button[1:].partition("{")
    return intent, json.loads("{" + body)


def test_the_rating_prompt_offers_five_levels_for_one_answer():
    prompt = R.prompt("abc123")
    assert [title for title, _ in prompt.buttons] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [_payload(p) for _, p in prompt.buttons] == [
        ("rate", {"rating": str(level), "answer_id": "abc123"}) for level in range(1, 6)]
    assert R.new_answer_id() != R.new_answer_id()


@pytest.mark.parametrize("entity, text, level", [
    ("4", "", 4), (None, "非常不满意", 5), (None, "不满意", 4), (None, "满意", 2), (None, "非常满意", 1),
    (None, "基本满意吧", 3), (None, "不太满意", 4), (None, "随便", None), ("9", "", None),
])
def test_ratings_are_read_from_buttons_and_words(entity, text, level):
    assert R.level_of(entity, text) == level


def test_below_satisfied_asks_why_and_a_low_rating_is_offered_a_person():
    assert not R.needs_reason(2) and R.needs_reason(3) and R.needs_reason(5)
    reasons = R.ask_reason(4)
    assert [t for t, _ in reasons.buttons][-1] == R.SKIP_REASON
    assert _payload(reasons.buttons[0][1]) == ("rate_reason", {"reason": "材料说得不清楚"})
    assert R.after_reason(5).buttons == [H.HANDOFF_BUTTON]
    assert R.after_reason(3).buttons == []


@pytest.mark.parametrize("text, asks", [
    ("转人工", True), ("我要找客服", True), ("不想跟机器人说了", True), ("zhuan ren gong", True),
    ("/human_handoff", True), ("有没有咨询电话", True),
    ("我是个人经营的", False), ("旅游（个人游或跟团）", False), ("个人办理", False),
])
def test_a_request_for_a_person_is_told_by_its_words(text, asks):
    assert H.asks_for_a_person(text) is asks


def test_every_request_for_a_person_the_classifier_learns_asks_for_one_in_words():
    from bot.dialogue.misread import _classifier_examples

    examples = _classifier_examples()["human_handoff"]
    assert len(examples) >= 20 and [e for e in examples if not H.asks_for_a_person(e)] == []
