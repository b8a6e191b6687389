"""The WeChat callback protocol pieces and the channel's settings, checked against the fake platform's own
signing and encryption (wechatpy's crypto)."""

from __future__ import annotations

import time

import pytest
import xmltodict

from bot.channels import wechat_protocol as protocol
from bot.channels.wechat_settings import WECHAT_API_BASE, load_wechat_settings
from tests.channels.fake_wechat import ACCOUNT, FakeWeChat, message_xml, new_aes_key, wechat_signature

TOKEN, APPID = "unit-token", "wx1234567890abcdef"


@pytest.fixture()
def fake() -> FakeWeChat:
    return FakeWeChat(TOKEN, APPID, "secret", new_aes_key())  # used for signing only, not served


def test_a_signed_query_is_authentic_and_any_change_is_not(fake: FakeWeChat) -> None:
    query = fake.signed_query()
    assert protocol.authentic(TOKEN, query, 300)
    assert not protocol.authentic("another-token", query, 300)
    assert not protocol.authentic(TOKEN, {**query, "nonce": query["nonce"] + "1"}, 300)
    assert not protocol.authentic(TOKEN, {**query, "signature": query["signature"].upper()}, 300)
    assert not protocol.authentic(TOKEN, {**query, "signature": ""}, 300)
    assert not protocol.authentic(TOKEN, {"timestamp": query["timestamp"], "nonce": query["nonce"]}, 300)


@pytest.mark.parametrize("offset, fresh", [(0, True), (-299, True), (299, True), (-301, False), (400, False)])
def test_the_timestamp_window(fake: FakeWeChat, offset: int, fresh: bool) -> None:
    query = fake.signed_query(timestamp=int(time.time()) + offset)
    assert protocol.authentic(TOKEN, query, 300) is fresh


@pytest.mark.parametrize("stamp", ["", "abc", "１２３", "-5", "9" * 30])
def test_timestamps_that_are_not_numbers_are_not_fresh(stamp: str) -> None:
    assert not protocol.fresh_timestamp(stamp, 300)


def test_a_safe_mode_message_opens_and_a_reply_seals(fake: FakeWeChat) -> None:
    crypto = protocol.make_crypto(TOKEN, fake.aes_key, APPID)
    assert crypto is not None
    xml = message_xml(fake.fields("oUser1", "text", Content="身份证丢了怎么补办"))
    body, query = fake._encrypt(xml, fake.signed_query())
    assert protocol.open_envelope(crypto, body, query) == xml
    with pytest.raises(PermissionError):
        protocol.open_envelope(crypto, body, {**query, "msg_signature": "0" * 40})
    message, raw = protocol.parse(xml)
    sealed = xmltodict.parse(protocol.seal_envelope(crypto, protocol.text_reply(message, "好的"), "n1"))["xml"]
    assert sealed["MsgSignature"] == wechat_signature(TOKEN, sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"])
    reply = xmltodict.parse(crypto.decrypt_message(sealed, sealed["MsgSignature"], sealed["TimeStamp"],
                                                   sealed["Nonce"]))["xml"]
    assert reply["Content"] == "好的" and reply["ToUserName"] == "oUser1" and reply["FromUserName"] == ACCOUNT


def test_an_envelope_for_another_account_does_not_open(fake: FakeWeChat) -> None:
    other = FakeWeChat(TOKEN, "wxanotheraccount00", "s", fake.aes_key)
    body, query = other._encrypt(message_xml(other.fields("oUser", "text", Content="x")), other.signed_query())
    crypto = protocol.make_crypto(TOKEN, fake.aes_key, APPID)
    assert crypto is not None
    with pytest.raises(protocol.BadMessage):
        protocol.open_envelope(crypto, body, query)


@pytest.mark.parametrize("body", ["<xml><Encrypt></Encrypt></xml>", "<xml><Encrypt>bm90IGFlcw==</Encrypt></xml>",
                                  "<xml>", "<notxml/>"])
def test_broken_envelopes_are_bad_messages(fake: FakeWeChat, body: str) -> None:
    crypto = protocol.make_crypto(TOKEN, fake.aes_key, APPID)
    assert crypto is not None
    query = fake.signed_query()
    inner = xmltodict.parse(body).get("xml") if body.startswith("<xml>") and body.endswith("</xml>") else None
    encrypted = (inner or {}).get("Encrypt") or ""
    query["msg_signature"] = wechat_signature(TOKEN, query["timestamp"], query["nonce"], encrypted)
    with pytest.raises(protocol.BadMessage):
        protocol.open_envelope(crypto, body, query)


def test_a_reply_cannot_break_out_of_its_cdata(fake: FakeWeChat) -> None:
    message, _ = protocol.parse(message_xml(fake.fields("oUser", "text", Content="hi")))
    reply = xmltodict.parse(protocol.text_reply(message, "a]]><MsgType>image</MsgType>b"))["xml"]
    assert reply["MsgType"] == "text" and "<MsgType>image" in reply["Content"]


def test_dedup_keys_use_msgid_or_sender_and_time(fake: FakeWeChat) -> None:
    _, text = protocol.parse(message_xml(fake.fields("oUser", "text", Content="x")))
    assert protocol.dedup_key("wxA", text) == f"wx:wxA:oUser:msg:{text['MsgId']}"
    _, other = protocol.parse(message_xml(fake.fields("oOther", "text", Content="x") | {"MsgId": text["MsgId"]}))
    assert protocol.dedup_key("wxA", other) != protocol.dedup_key("wxA", text)  # never another user's reply
    event_fields = fake.fields("oUser", "event", with_msg_id=False, Event="subscribe")
    _, event = protocol.parse(message_xml(event_fields))
    assert protocol.dedup_key("wxA", event) == f"wx:wxA:oUser:evt:{event_fields['CreateTime']}:subscribe"


def test_openids_are_masked_for_logs() -> None:
    assert protocol.mask_user("o6_bmjrPTlm6_2sgVt7hMZOPfL2M") == "o6_b***"
    assert protocol.mask_user(None) == "-"


def test_an_aes_key_of_the_wrong_length_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="43"):
        protocol.make_crypto(TOKEN, "short", APPID)
    assert protocol.make_crypto(TOKEN, "", APPID) is None


def test_settings_come_from_the_environment_before_credentials() -> None:
    settings = load_wechat_settings({"token": "from-yml", "appid": "wxyml", "passive_seconds": 2},
                                    {"WECHAT_TOKEN": "from-env", "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin"})
    assert settings.token == "from-env" and settings.appid == "wxyml" and settings.passive_seconds == 2.0
    assert settings.api_base == "http://127.0.0.1:9/cgi-bin/"
    assert not settings.can_send


def test_settings_defaults_let_make_run_start() -> None:
    settings = load_wechat_settings(None, {})
    assert settings.token == "onevisit-dev" and settings.api_base == WECHAT_API_BASE
    assert settings.passive_seconds < 5 and settings.text_max_bytes == 2048 and settings.max_message_chars == 500
    assert settings.account == "dev"
    assert "secret" not in repr(load_wechat_settings(None, {"WECHAT_APPSECRET": "secret"}))
