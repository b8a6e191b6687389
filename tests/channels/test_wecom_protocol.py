"""The WeCom channel's protocol parts against the fake WeCom platform, without Rasa: callback crypto, settings,
the send rule, and the kf API client (token sharing and expiry, service state, errcodes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.store import ChannelStore
from bot.channels.wecom_api import WeComApi, WeComError
from bot.channels.wecom_callback import CallbackCrypto, CallbackRejected, kf_event, parse_xml
from bot.channels.wecom_quota import MESSAGES_PER_TURN, QuotaRecord, SendQuota, fit
from bot.channels.wecom_settings import WeComSettings, load_wecom_settings
from tests.channels.fake_wecom import BOT, ENDED, HUMAN, NEW, FakeWeCom, PrpCrypto, random_key, signature


@pytest.fixture()
def fake() -> Iterator[FakeWeCom]:
    platform = FakeWeCom().start()
    yield platform
    platform.stop()


def settings_for(fake: FakeWeCom, **overrides: object) -> WeComSettings:
    env = {"WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret, "WECOM_TOKEN": fake.token,
           "WECOM_ENCODING_AES_KEY": fake.aes_key}
    if fake.server:
        env["WECOM_API_BASE"] = fake.api_base
    env.update({key: str(value) for key, value in overrides.items()})
    return load_wecom_settings({}, env)


# --- settings --------------------------------------------------------------------------------------------------

def test_settings_come_from_the_environment_before_credentials() -> None:
    settings = load_wecom_settings({"corp_id": "from-credentials", "token": "t", "secret": "s"},
                                   {"WECOM_CORP_ID": "from-env", "WECOM_API_BASE": "http://127.0.0.1:9/x"})
    assert settings.corp_id == "from-env" and settings.token == "t" and settings.secret == "s"
    assert settings.api_base == "http://127.0.0.1:9/x/"
    assert not settings.configured and settings.problems == ["WECOM_ENCODING_AES_KEY"]
    assert "secret=" not in repr(settings) and "token=" not in repr(settings)


def test_a_malformed_aes_key_is_reported_not_used() -> None:
    settings = load_wecom_settings({}, {"WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
                                        "WECOM_ENCODING_AES_KEY": "too-short"})
    assert not settings.configured and "WECOM_ENCODING_AES_KEY" in settings.problems[0]
    good = load_wecom_settings({}, {"WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
                                    "WECOM_ENCODING_AES_KEY": random_key()})
    assert good.configured and good.max_message_chars == 500


# --- callbacks -------------------------------------------------------------------------------------------------

def test_a_platform_callback_decrypts_to_the_kf_event() -> None:
    fake = FakeWeCom()
    crypto = CallbackCrypto(settings_for(fake))
    query, body = fake.signed_callback(fake.event_xml("wkABC_123-x", "ENCtoken42"))
    event = kf_event(crypto.decrypt(query, body.encode()))
    assert event is not None and event.open_kfid == "wkABC_123-x" and event.token == "ENCtoken42"


def test_tampering_wrong_keys_and_stale_timestamps_are_refused() -> None:
    fake = FakeWeCom()
    crypto = CallbackCrypto(settings_for(fake))
    query, body = fake.signed_callback(fake.event_xml("wk1", "ENCt"))
    encrypt = parse_xml(body)["Encrypt"]
    tampered = body.replace(encrypt, encrypt[:-8] + "AAAAAAA=")
    with pytest.raises(CallbackRejected) as refused:
        crypto.decrypt(query, tampered.encode())
    assert refused.value.status == 403
    # the same token and key but another corp: the signature holds, the corp id inside does not
    other = FakeWeCom(token=fake.token, aes_key=fake.aes_key)
    with pytest.raises(CallbackRejected) as refused:
        crypto.decrypt(*other.signed_callback(other.event_xml("wk1", "ENCt")))
    assert refused.value.status == 400
    for offset, accepted in ((-299, True), (299, True), (-301, False), (301, False)):
        stamped = fake.signed_callback(fake.event_xml("wk1", "ENCt"), timestamp=int(time.time()) + offset)
        if accepted:
            assert kf_event(crypto.decrypt(*stamped)) is not None
        else:
            with pytest.raises(CallbackRejected):
                crypto.decrypt(*stamped)


def test_url_verification_decrypts_the_echo() -> None:
    fake = FakeWeCom()
    crypto = CallbackCrypto(settings_for(fake))
    echostr = PrpCrypto(fake.crypto().key).encrypt("echo-1234", fake.corp_id).decode()
    now = str(int(time.time()))
    query = {"msg_signature": signature(fake.token, now, "n1", echostr), "timestamp": now, "nonce": "n1",
             "echostr": echostr}
    assert crypto.verify_url(query) == "echo-1234"
    with pytest.raises(CallbackRejected) as refused:
        crypto.verify_url(dict(query, msg_signature=signature("other", now, "n1", echostr)))
    assert refused.value.status == 403


def test_xml_with_entities_or_garbage_is_refused() -> None:
    with pytest.raises(CallbackRejected):
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><A>&a;</A></xml>')
    with pytest.raises(CallbackRejected):
        parse_xml(b"<xml><A>")
    assert parse_xml("<xml><A><![CDATA[x]]></A><B>2</B></xml>") == {"A": "x", "B": "2"}
    assert kf_event({"MsgType": "text", "Content": "hi"}) is None
    with pytest.raises(CallbackRejected):
        kf_event({"MsgType": "event", "Event": "kf_msg_or_event", "Token": "", "OpenKfId": "wk1"})


# --- the send rule ---------------------------------------------------------------------------------------------

def test_fit_merges_neighbours_only_as_far_as_needed() -> None:
    chunks = [f"答复{n}" for n in range(7)]
    messages, dropped = fit(chunks, 5, 2048)
    assert len(messages) == 5 and dropped == 0
    assert "\n\n".join(messages) == "\n\n".join(chunks)
    assert fit(chunks[:3], 5, 2048) == (chunks[:3], 0)
    assert fit(chunks, 0, 2048) == ([], 7)


def test_fit_drops_what_cannot_be_merged_and_adds_the_notice() -> None:
    big = ["长" * 600] * 4  # 1800 bytes each: no two fit in one message
    messages, dropped = fit(big, 2, 2048, notice="（未发完）")
    assert len(messages) == 2 and dropped == 2
    assert messages[-1].endswith("（未发完）")
    assert all(len(m.encode()) <= 2048 for m in messages)


def test_quota_record_counts_from_the_latest_customer_message() -> None:
    record = QuotaRecord()
    assert record.remaining(1000.0) == 0  # nobody wrote yet
    record.note_customer_message(1000)
    for _ in range(3):
        record.note_sent(1000.5)
    assert record.remaining(1001.0) == 2
    record.note_customer_message(1000)  # written in the same second as a send: may be older, keep the count
    assert record.remaining(1001.0) == 2
    record.note_customer_message(1002)
    assert record.remaining(1003.0) == MESSAGES_PER_TURN
    assert record.remaining(1002.0 + 48 * 3600 + 1) == 0


def test_send_quota_persists_in_the_channel_store(tmp_path: Path) -> None:
    quota = SendQuota(ChannelStore(f"sqlite:///{tmp_path / 'c.db'}"))
    quota.note_customer_message("wk1", "wm1", time.time())
    quota.note_sent("wk1", "wm1")
    again = SendQuota(ChannelStore(f"sqlite:///{tmp_path / 'c.db'}"))
    assert again.load("wk1", "wm1").remaining(time.time()) == MESSAGES_PER_TURN - 1
    assert again.load("wk1", "other").remaining(time.time()) == 0


# --- the kf API client -----------------------------------------------------------------------------------------

def test_one_token_is_shared_and_an_expired_one_refetched_once(fake: FakeWeCom, tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'c.db'}"
    fake.customer_says("wk1", "wm1", "你好", notify=False)

    async def scenario() -> None:
        first, second = (WeComApi(settings_for(fake), ChannelStore(store_url)) for _ in range(2))
        assert (await first.get_service_state("wk1", "wm1")).state == NEW
        assert (await second.get_service_state("wk1", "wm1")).state == NEW
        assert fake.token_fetches == 1  # the second process used the stored token
        fake.expire_access_tokens()
        await second.send_text("wk1", "wm1", "您好，“一次办”为您服务")
        assert fake.token_fetches == 2
        await first.aclose()
        await second.aclose()

    asyncio.run(scenario())
    assert [s.content for s in fake.sent] == ["您好，“一次办”为您服务"]  # sent as UTF-8, no \\u escapes


def test_send_errcodes_and_service_state_transitions(fake: FakeWeCom, tmp_path: Path) -> None:
    fake.customer_says("wk1", "wm1", "你好", notify=False)

    async def scenario() -> None:
        api = WeComApi(settings_for(fake), ChannelStore(f"sqlite:///{tmp_path / 'c.db'}"))
        for n in range(5):
            await api.send_text("wk1", "wm1", f"第{n + 1}条")
        with pytest.raises(WeComError) as error:
            await api.send_text("wk1", "wm1", "第6条")
        assert error.value.errcode == 95001
        assert await api.trans_service_state("wk1", "wm1", BOT) == ""
        code = await api.trans_service_state("wk1", "wm1", HUMAN, "agent01")
        assert code
        state = await api.get_service_state("wk1", "wm1")
        assert (state.state, state.servicer_userid) == (HUMAN, "agent01")
        with pytest.raises(WeComError) as error:
            await api.trans_service_state("wk1", "wm1", BOT)
        assert error.value.errcode == 95016
        await api.trans_service_state("wk1", "wm1", ENDED)
        fake.customer_says("wk1", "wm1", "还在吗", notify=False)  # reopens the session
        assert (await api.get_service_state("wk1", "wm1")).state == NEW
        fake.advance(49 * 3600)
        with pytest.raises(WeComError) as error:
            await api.send_text("wk1", "wm1", "迟到的答复")
        assert error.value.errcode == 95002
        with pytest.raises(WeComError) as error:
            await api.sync_msg("wk-unknown", None, None, 10)
        assert error.value.errcode == 95000
        await api.aclose()

    asyncio.run(scenario())


def test_a_wrong_secret_is_a_typed_error(fake: FakeWeCom, tmp_path: Path) -> None:
    settings = settings_for(fake, WECOM_SECRET="wrong")

    async def scenario() -> None:
        api = WeComApi(settings, ChannelStore(f"sqlite:///{tmp_path / 'c.db'}"))
        with pytest.raises(WeComError) as error:
            await api.get_service_state("wk1", "wm1")
        assert error.value.errcode == 40001
        await api.aclose()

    asyncio.run(scenario())
