"""The analyzer segments each text once while a resolver is fitted, and keeps nothing afterwards."""

from __future__ import annotations

from bot.resolver.text import Analyzer


def test_texts_are_remembered_only_while_fitting() -> None:
    analyzer = Analyzer({"补办": "补领"}, ["身份证"])
    plain = analyzer.tokens("身份证丢了怎么补办")
    with analyzer.remembering():
        first = analyzer.tokens("身份证丢了怎么补办")
        first.append("changed by a caller")  # a caller's list must not alter what is remembered
        assert analyzer.tokens("身份证丢了怎么补办") == plain
        assert analyzer._seen is not None and "身份证丢了怎么补办" in analyzer._seen
    assert analyzer._seen is None  # the questions people ask later are never kept
    assert analyzer.tokens("身份证丢了怎么补办") == plain


def test_learning_pinyin_forgets_what_was_read_before() -> None:
    analyzer = Analyzer({}, ["身份证"])
    with analyzer.remembering():
        before = analyzer.tokens("shenfenzheng")
        analyzer.learn_pinyin(["身份证"])
        after = analyzer.tokens("shenfenzheng")
    assert "身份证" not in before and after == ["身份证"]
