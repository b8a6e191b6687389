"""The scorer of replies to situation questions (bot.situation_eval): each verdict, and bad lines named."""

from __future__ import annotations

import pytest

from bot.situation_eval import LabelledReply, judge, pending_at, read_replies, table


@pytest.mark.parametrize("reply, verdict", [
    (LabelledReply("passport", "apply_type", "护照出去旅游弄丢了", "reissue"), "right"),
    (LabelledReply("passport", "apply_type", "护照出去旅游弄丢了", "first"), "wrong"),
    (LabelledReply("divorce-registration", "stage", "我们还啥都没弄", "apply"), "suggested right"),  # 您是说…吗？
    (LabelledReply("divorce-registration", "stage", "我们还啥都没弄", "collect"), "suggested wrong"),
    (LabelledReply("passport", "apply_type", "今天天气不错", "first"), "not understood"),
    (LabelledReply("passport", "apply_type", "我要办驾照补领", "first"), "switched"),
    (LabelledReply("passport", "no-such-question", "护照丢了", "reissue"), "not asked"),
    (LabelledReply("no-such-affair", "apply_type", "护照丢了", "reissue"), "not asked"),
])
def test_each_verdict(snapshot, reply, verdict):
    assert judge(snapshot, reply) == verdict


def test_a_later_question_is_reached_through_earlier_answers(snapshot):
    state = pending_at(snapshot, "birth-medical-certificate", "birth_place")  # asked only for a first certificate
    assert state is not None and state.answers == {"apply_type": "first"}
    affair = snapshot.catalog.affairs["birth-medical-certificate"]
    assert snapshot.catalog.pending_questions(affair, state.answers)[0].question.id == "birth_place"


def test_a_file_is_tabled_and_a_bad_line_named(snapshot, tmp_path):
    good = tmp_path / "good.tsv"
    good.write_text("# comment\npassport|apply_type|护照出去旅游弄丢了|reissue\n"
                    "passport|apply_type|今天天气不错|first\n", encoding="utf-8")
    assert table(snapshot, [good])[2] == "| good | 2 | 0 | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 50.0 |"
    hint = snapshot.catalog.affairs["passport"].situations[0].options[2].hints[0]  # 丢了 (reissue)
    known = tmp_path / "known.tsv"
    known.write_text(f"passport|apply_type|{hint}|reissue\n", encoding="utf-8")
    assert table(snapshot, [known])[2] == "| known | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 100.0 |"
    bad = tmp_path / "bad.tsv"
    bad.write_text("passport|apply_type|护照丢了|reissue\npassport|护照丢了\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:2:"):
        read_replies(bad)
