"""bot.privacy.protect and the case dialogue: factors sealed in the message, read back once at lookup time."""

from __future__ import annotations

import pytest
from privacy_helpers import new_vault

from bot.cases import PhoneLast4, QueryCode
from bot.dialogue import cases
from bot.privacy import protect, without_personal_data
from bot.privacy.placeholders import find_placeholders

ID = "11010519491231002X"
NUMBER = "ZJ2026330106000101"


@pytest.fixture
def vault(tmp_path):
    return new_vault(tmp_path)


def test_protect_masks_numbers_and_seals_factors(vault):
    text = f"身份证{ID}，手机13812345678，受理编号{NUMBER}，手机尾号5678，查询码 k7m3q9tx"
    protected = protect(text, "alice", vault=vault)
    assert ID not in protected and "13812345678" not in protected and "5678" not in protected
    assert "K7M3Q9TX" not in protected.upper()
    assert NUMBER in protected  # the dialogue needs it; it proves nothing without a factor
    assert "110105************" in protected and "138********" in protected
    phone, code = find_placeholders(protected)
    assert (phone.kind, code.kind) == ("phone_last4", "query_code")
    assert vault.unseal(phone.text, "alice") == "5678"
    assert vault.unseal(code.text, "alice") == "K7M3Q9TX"


@pytest.mark.parametrize("text", [
    f"身份证{ID}，手机13812345678，受理编号{NUMBER}，手机尾号5678，查询码 k7m3q9tx",
    "1234", "k7m3q9tx", "银行卡号码6222021234567890128", "我1990年出生，今年35岁", "身份证丢了怎么补办",
])
def test_protect_is_idempotent(vault, text):
    once = protect(text, "alice", vault=vault)
    assert protect(once, "alice", vault=vault) == once


def test_the_last_four_of_a_masked_card_is_no_phone_tail(vault):
    assert protect("银行卡号码6222021234567890128", "alice", vault=vault) == "银行卡号码****0128"


def test_text_without_factors_needs_no_vault():
    assert protect("身份证丢了怎么补办，在西湖区", "alice") == "身份证丢了怎么补办，在西湖区"


def test_a_bare_answer_is_sealed_and_an_expected_one_too(vault):
    assert find_placeholders(protect("１２３４", "alice", vault=vault))
    assert not find_placeholders(protect("5803，谢谢", "alice", vault=vault))
    assert find_placeholders(protect("5803，谢谢", "alice", expect=("phone_last4",), vault=vault))


@pytest.mark.parametrize("text", ["13900005803", "手机号是13900005803", "我登记的电话：139 0000 5803，谢谢",
                                  "+86 13900005803", "１３９００００５８０３"])
def test_a_mobile_number_sent_alone_keeps_only_its_last_four_digits_sealed(vault, text):
    protected = protect(text, "alice", vault=vault)
    assert "5803" not in protected and "0000" not in protected and "139********" in protected
    [tail] = find_placeholders(protected)
    assert tail.kind == "phone_last4" and vault.unseal(tail.text, "alice") == "5803"
    assert protect(protected, "alice", vault=vault) == protected


@pytest.mark.parametrize("text", ["ZJ2026330106000101 13900005803",
                                  "编号ZJ2026330106000101，手机13900005803，办到哪了"])
def test_a_mobile_number_beside_a_case_number_keeps_only_its_last_four_digits_sealed(vault, text):
    protected = protect(text, "alice", vault=vault)
    assert "ZJ2026330106000101" in protected and "5803" not in protected and "139********" in protected
    [tail] = find_placeholders(protected)
    assert vault.unseal(tail.text, "alice") == "5803"


@pytest.mark.parametrize("text", ["身份证丢了，电话13900005803", "13900005803 13812345678", "电话13900005803在哪办"])
def test_a_mobile_number_given_with_anything_else_is_masked_whole(vault, text):
    protected = protect(text, "alice", vault=vault)
    assert "139********" in protected and not find_placeholders(protected)


def test_read_factor_keeps_its_old_signature_for_plain_text():
    assert cases.read_factor("尾号5678") == PhoneLast4("5678")
    assert cases.read_factor("查询码 K7M3Q9TX") == QueryCode("K7M3Q9TX")


def test_read_factor_reads_a_sealed_factor_for_its_sender_once(default_vault_env):
    protected = protect("手机尾号5678", "alice")
    assert "5678" not in protected
    assert cases.read_factor(protected) is None  # no sender: nothing to read it with
    assert cases.read_factor(protected, "mallory") is None
    assert cases.read_factor(protected, "alice", consume=False) == PhoneLast4("5678")  # the form's check
    assert cases.read_factor(protected, "alice") == PhoneLast4("5678")  # the lookup
    assert cases.read_factor(protected, "alice") is None  # used up


def test_read_factor_reads_a_sealed_query_code(default_vault_env):
    protected = protect("查询码 k7m3q9tx", "alice")
    [placeholder] = find_placeholders(protected)
    assert cases.read_factor(placeholder.text, "alice") == QueryCode("K7M3Q9TX")


def test_the_rasa_component_gives_sealed_factors_as_entities(default_vault_env):
    from pathlib import Path

    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    from bot.entities.rasa_component import OneVisitEntityExtractor

    component = OneVisitEntityExtractor.create(
        {}, LocalModelStorage(Path("/nonexistent")), Resource("entities"), ExecutionContext(GraphSchema({})))
    protected = protect(f"编号{NUMBER}，手机尾号1234", "alice")
    [processed] = component.process([Message.build(text=protected)])
    entities = {e["entity"]: e["value"] for e in processed.get("entities")}
    assert entities["case_number"] == NUMBER
    assert find_placeholders(entities["phone_last4"])  # the slot keeps the placeholder, never the digits
    assert cases.read_factor(entities["phone_last4"], "alice") == PhoneLast4("1234")


def test_what_protect_leaves_in_place_of_personal_data_is_taken_out_for_reading(vault):
    protected = protect(f"身份证{ID}丢了，手机13812345678，银行卡6222021234567890128，尾号5678，受理编号{NUMBER}",
                        "alice", vault=vault)
    assert without_personal_data(protected) == f"身份证丢了，手机，银行卡，尾号，受理编号{NUMBER}"
    assert without_personal_data("我1990年出生，今年35岁，*号键") == "我1990年出生，今年35岁，*号键"
    labelled = protect(f"身份证号码是{ID}，手机号：13812345678，尾号5678", "alice", vault=vault)
    assert without_personal_data(labelled) == "身份证，手机，尾号"
