"""The scorer of replies to a choice of affairs and of questions about another affair mid-form (bot.turn_eval)."""

from __future__ import annotations

import pytest

from bot.turn_eval import (
    AfterGuide,
    ChoiceReply,
    Digression,
    judge_after_guide,
    judge_choice,
    judge_digression,
    read_turns,
    tables,
)

ID_CARDS = ("id-card-renew", "id-card-reissue", "id-card-first")


@pytest.mark.parametrize("reply, verdict", [
    (ChoiceReply("身份证", ID_CARDS, "丢了", "id-card-reissue"), "picked right"),
    (ChoiceReply("身份证", ID_CARDS, "丢了", "id-card-renew"), "picked wrong"),
    (ChoiceReply("身份证", ID_CARDS, "都不是", "none"), "picked right"),
    (ChoiceReply("身份证", ID_CARDS, "第二个", "none"), "picked wrong"),
    (ChoiceReply("身份证", ID_CARDS, "今天天气不错", "id-card-first"), "asked again"),  # the same choice again
    (ChoiceReply("身份证", ID_CARDS, "公积金怎么取", "id-card-first"), "asked again"),  # another choice offered
])
def test_each_choice_verdict(snapshot, reply, verdict):
    assert judge_choice(snapshot, reply) == verdict


@pytest.mark.parametrize("turn, verdict", [
    (Digression("housing-fund-withdrawal-purchase", "那身份证丢了怎么补", "id-card-reissue"), "switched right"),
    (Digression("company-registration", "买了房子能不能落户，要什么手续", "hukou-move-in"), "offered, holds it"),
    (Digression("passport", "今天天气不错", "id-card-reissue"), "left in the form"),
    (Digression("housing-fund-withdrawal-purchase", "那身份证丢了怎么补", "id-card-renew"), "wrong"),
    (Digression("no-such-affair", "身份证丢了怎么补", "id-card-reissue"), None),
])
def test_each_digression_verdict(snapshot, turn, verdict):
    assert judge_digression(snapshot, turn) == verdict


@pytest.mark.parametrize("turn, verdict", [
    (AfterGuide("id-card-renew", "要多少钱", "this"), "right"),
    (AfterGuide("id-card-renew", "要多少钱", "none"), "wrong"),  # answered from the guide: not nothing of ours
    (AfterGuide("id-card-renew", "护照怎么办", "passport"), "right"),
    (AfterGuide("id-card-renew", "护照怎么办", "this"), "wrong"),
    (AfterGuide("id-card-renew", "口腔医院洗牙要多少钱", "none"), "right"),
    (AfterGuide("id-card-renew", "口腔医院洗牙要多少钱", "this"), "declined"),
    (AfterGuide("hukou-move-in", "户口迁过来以后身份证要换新的吗", "id-card-renew"), "offered, holds it"),
])
def test_each_after_guide_verdict(snapshot, turn, verdict):
    assert judge_after_guide(snapshot, turn) == verdict


def test_a_file_is_tabled_and_a_bad_line_named(snapshot, tmp_path):
    good = tmp_path / "good.tsv"
    good.write_text("# comment\nchoices|身份证|id-card-renew,id-card-reissue|丢了|id-card-reissue\n"
                    "choices|身份证|id-card-renew,id-card-reissue|随便聊聊|id-card-renew\n"
                    "digression|housing-fund-withdrawal-purchase|那身份证丢了怎么补|id-card-reissue\n"
                    "after_guide|id-card-renew|要多少钱|this\nafter_guide|id-card-renew|护照怎么办|none\n",
                    encoding="utf-8")
    lines = tables(snapshot, [good])
    assert lines[2] == "| good | 2 | 1 | 0 | 1 | 0 | 50.0 |"
    assert lines[6] == "| good | 1 | 1 | 0 | 0 | 0 | 100.0 |"
    assert lines[10] == "| good | 2 | 1 | 0 | 0 | 1 | 50.0 | 50.0 |"
    bad = tmp_path / "bad.tsv"
    bad.write_text("choices|身份证|丢了|id-card-reissue\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        read_turns(bad)
