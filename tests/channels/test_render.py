"""Rasa bot messages as plain text chunks within a byte limit, buttons as numbered options, digit replies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.render import numbered_options, plain_messages, reply_for_digit, sender_id

BUTTONS = [{"title": "已满16周岁", "payload": "/inform{\"age\":\"adult\"}"},
           {"title": "未满16周岁", "payload": "/inform{\"age\":\"minor\"}"}]


def test_buttons_become_numbered_options_after_the_text() -> None:
    chunks = plain_messages([{"text": "请问申请人是否已满16周岁？", "buttons": BUTTONS}], 2048)
    assert chunks == ["请问申请人是否已满16周岁？\n回复数字选择：\n1. 已满16周岁\n2. 未满16周岁"]


def test_short_messages_are_packed_into_one_chunk_and_custom_payloads_skipped() -> None:
    messages = [{"text": "好的。"}, {"custom": {"kind": "guide"}}, {"text": "还有别的问题吗？"}]
    assert plain_messages(messages, 2048) == ["好的。\n\n还有别的问题吗？"]


def test_only_the_last_button_set_is_numbered() -> None:
    messages = [{"text": "A", "buttons": [{"title": "甲", "payload": "/a"}]},
                {"text": "B", "buttons": BUTTONS}]
    text = plain_messages(messages, 2048)[0]
    assert "· 甲" in text and "1. 已满16周岁" in text and "1. 甲" not in text
    assert numbered_options(messages) == BUTTONS


def test_numbered_options_of_messages_without_buttons_are_empty() -> None:
    assert numbered_options([{"text": "你好"}, {"custom": {}}]) == []


def test_long_text_is_split_at_line_ends_within_the_limit() -> None:
    lines = [f"{n}. 居民身份证原件一份（复印件两份），申请人近期免冠照片" for n in range(1, 80)]
    chunks = plain_messages([{"text": "\n".join(lines)}], 600)
    assert len(chunks) > 3
    assert all(len(chunk.encode("utf-8")) <= 600 for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines  # nothing lost, nothing cut inside a line


def test_one_very_long_line_is_cut_between_characters() -> None:
    line = "材" * 1000 + "料"
    chunks = plain_messages([{"text": line}], 100)
    assert all(len(chunk.encode("utf-8")) <= 100 for chunk in chunks)
    assert "".join(chunks) == line


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab字😀\n 1"), max_size=300), max_size=6),
       st.integers(min_value=4, max_value=120))
def test_chunks_always_fit_and_keep_every_character(texts: list[str], limit: int) -> None:
    messages = [{"text": text} for text in texts]
    chunks = plain_messages(messages, limit)
    assert all(0 < len(chunk.encode("utf-8")) <= limit for chunk in chunks)
    kept = "".join(chunks).replace("\n", "").replace(" ", "")
    assert kept == "".join(text.replace("\n", "").replace(" ", "") for text in texts)


def test_a_limit_too_small_for_one_character_is_refused() -> None:
    with pytest.raises(ValueError):
        plain_messages([{"text": "字"}], 2)


@pytest.mark.parametrize(("reply", "expected"), [
    ("2", "/inform{\"age\":\"minor\"}"), ("２", "/inform{\"age\":\"minor\"}"), (" 1 ", "/inform{\"age\":\"adult\"}"),
    ("3", None), ("0", None), ("第二个", None), ("2 号", None), ("", None), ("٢", None), ("12", None),
])
def test_digit_replies_map_to_payloads(reply: str, expected: str | None) -> None:
    assert reply_for_digit(reply, BUTTONS) == expected


def test_digit_without_options_is_plain_text() -> None:
    assert reply_for_digit("1", []) is None


def test_sender_ids_name_platform_account_and_user() -> None:
    assert sender_id("wx", "wx123", "oABC") == "wx:wx123:oABC"
