"""bot.privacy.masking: ID numbers by their check character, mobiles, bank cards by Luhn; the rest left alone."""

from __future__ import annotations

import pytest

from bot.privacy.masking import (
    BANK_CARD,
    ID_NUMBER,
    MOBILE,
    OLD_ID_NUMBER,
    find_personal_numbers,
    id_check_char,
    is_id_number,
    luhn_ok,
    mask,
    mask_cued_factors,
)

ID = "11010519491231002X"  # the example of GB 11643-1999
ID2 = "440524188001010014"  # another example of the standard
CARD = "6222021234567890128"  # 19 digits, passes Luhn
VISA = "4111111111111111"


def test_the_standard_examples_have_right_check_characters():
    assert id_check_char(ID[:17]) == "X" and is_id_number(ID)
    assert id_check_char(ID2[:17]) == "4" and is_id_number(ID2)
    assert luhn_ok(CARD) and luhn_ok(VISA) and not luhn_ok(CARD[:-1] + "9")


@pytest.mark.parametrize("text, masked", [
    (f"我的身份证号是{ID}，请帮我查一下", "我的身份证号是110105************，请帮我查一下"),
    (f"身份证{ID.lower()}", "身份证110105************"),
    (f"身份证号：{ID2}。", "身份证号：440524************。"),
    ("身份证 110105 19491231 002X 丢了", "身份证 110105************ 丢了"),
    ("１１０１０５１９４９１２３１００２Ｘ", "110105************"),
    ("老身份证110105491231002还能用吗", "老身份证110105*********还能用吗"),
])
def test_checksum_valid_id_numbers_are_masked(text, masked):
    assert mask(text) == masked
    assert find_personal_numbers(text)[0].kind in (ID_NUMBER, OLD_ID_NUMBER)


@pytest.mark.parametrize("text", [
    "身份证11010519491231002Y",  # not a check character
    "身份证110105194912310021",  # wrong check character
    "编号123456789012345678",  # 18 digits, no ID and no card
])
def test_numbers_failing_the_id_check_are_kept(text):
    digits = text[3:] if text.startswith("身份证") else text[2:]
    if digits.isdigit():
        assert not luhn_ok(digits), "the example must not pass as a bank card either"
    assert mask(text) == text


def test_an_id_whose_birth_date_is_impossible_fails_although_its_check_character_fits():
    for first17 in ("11010519491331002", "11010519490230002", "11010520990101002"):
        number = first17 + id_check_char(first17)
        assert not is_id_number(number)
        as_card = f"身份证****{number[-4:]}"  # an 18-digit number that passes Luhn reads as a bank card
        assert mask(f"身份证{number}") == (as_card if luhn_ok(number) else f"身份证{number}")


@pytest.mark.parametrize("text, masked", [
    ("手机号13812345678", "手机号138********"),
    ("手机号１３８１２３４５６７８，谢谢", "手机号138********，谢谢"),
    ("电话138-1234-5678", "电话138********"),
    ("电话 138 1234 5678 找我", "电话 138******** 找我"),
    ("打１３８－１２３４－５６７８", "打138********"),
    ("+86 138 1234 5678", "+86 138********"),
    ("联系方式8613812345678", "联系方式+86 138********"),
    ("我是19912345678。", "我是199********。"),
    ("2026-03-05 13812345678", "2026-03-05 138********"),
    ("编号ZJ2026330106000101 手机13812345678", "编号ZJ2026330106000101 手机138********"),
    ("ZJ2026330106000101 13812345678", "ZJ2026330106000101 138********"),  # a space apart: one run of digits
    ("13812345678 ZJ2026330106000101", "138******** ZJ2026330106000101"),
])
def test_mobile_numbers_are_masked_without_their_last_four(text, masked):
    assert mask(text) == masked
    assert "5678" not in mask(text)
    assert [n.kind for n in find_personal_numbers(text)] == [MOBILE]


@pytest.mark.parametrize("text", ["电话12812345678", "号码1381234567", "号码138123456789", "订单13812345678abc"])
def test_what_is_no_mobile_number_is_kept(text):
    assert mask(text) == text


@pytest.mark.parametrize("text, masked", [
    (f"卡号{CARD}", "卡号****0128"),
    ("卡号 6222 0212 3456 7890 128 工资卡", "卡号 ****0128 工资卡"),
    (f"信用卡{VISA[:4]}-{VISA[4:8]}-{VISA[8:12]}-{VISA[12:]}", "信用卡****1111"),
])
def test_bank_cards_passing_luhn_are_masked(text, masked):
    assert mask(text) == masked
    assert find_personal_numbers(text)[0].kind == BANK_CARD


def test_card_numbers_failing_luhn_are_kept():
    text = f"卡号{CARD[:-1]}9"
    assert mask(text) == text


@pytest.mark.parametrize("text", [
    "ZJ2026330106000101",
    "受理编号ZJ2026330106000101，帮我查",
    "zj2026 3301 0600 0101",
    "zj 2026 3301 0600 0101",
    "ＺＪ２０２６３３０１０６０００１０１",
    "运单号 1234567890123",
    "2026年3月5日上午9点，窗口3号",
    "查询码 K7M3Q9TX，尾号1234",
])
def test_case_numbers_and_other_text_are_untouched(text):
    assert mask(text) == text


def test_several_numbers_in_one_run_are_each_masked():
    assert mask(f"13812345678 {ID}") == "138******** 110105************"


def test_numbers_behind_repr_and_json_escapes_are_found():
    assert mask("'\\u624b\\u673a\\u53f713812345678'") == "'\\u624b\\u673a\\u53f7138********'"
    assert mask("'\\n13812345678'") == "'\\n138********'"


def test_masking_is_idempotent_and_keeps_no_personal_number_in_the_repr():
    text = f"身份证{ID} 手机13812345678 卡{CARD}"
    once = mask(text)
    assert mask(once) == once
    assert all(secret not in repr(find_personal_numbers(text)) for secret in (ID, "13812345678", CARD))


def test_cued_factors_are_masked_for_logs():
    assert mask_cued_factors("尾号1234，查询码：k7m3q9tx") == "尾号****，查询码：********"
    assert mask_cued_factors("今年2026年") == "今年2026年"


def test_masking_is_linear_on_long_text():
    import time

    text = "1 " * 100_000 + "13812345678"
    started = time.perf_counter()
    assert mask(text).endswith("138********")
    assert time.perf_counter() - started < 5
