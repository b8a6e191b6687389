"""The channel's WeChat API client against the fake platform: shared token, invalid-token recovery, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from bot.channels.store import ChannelStore
from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_settings import load_wechat_settings
from tests.channels.fake_wechat import FakeWeChat

APPID, SECRET = "wxapitest00000001", "api-secret"


@pytest.fixture()
def fake() -> Iterator[FakeWeChat]:
    platform = FakeWeChat("t", APPID, SECRET).start()
    yield platform
    platform.stop()


def api(fake: FakeWeChat, store: ChannelStore, **env: str) -> WeChatApi:
    settings = load_wechat_settings(None, {"WECHAT_APPID": APPID, "WECHAT_APPSECRET": SECRET,
                                           "WECHAT_API_BASE": fake.api_base, "WECHAT_API_TIMEOUT": "2", **env})
    return WeChatApi(settings, store)


@pytest.fixture()
def store(tmp_path: Path) -> ChannelStore:
    return ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")


def test_texts_are_sent_with_one_token_for_several_clients(fake: FakeWeChat, store: ChannelStore) -> None:
    first, second = api(fake, store), api(fake, store)
    first.send_text("oUserA", "您好，材料清单如下。")
    second.send_text("oUserB", "第二条")
    assert fake.sent_to("oUserA") == ["您好，材料清单如下。"] and fake.sent_to("oUserB") == ["第二条"]
    assert fake.token_fetches == 1


def test_an_invalid_token_is_replaced_once_and_the_text_still_arrives(fake: FakeWeChat, store: ChannelStore) -> None:
    client = api(fake, store)
    client.send_text("oUser", "一")
    fake.revoke_token_on_next_send()
    client.send_text("oUser", "二")
    assert fake.sent_to("oUser") == ["一", "二"]
    assert fake.send_errors == [40001] and fake.token_fetches == 2


def test_a_wrong_secret_is_an_error_with_its_code(fake: FakeWeChat, store: ChannelStore) -> None:
    client = api(fake, store, WECHAT_APPSECRET="wrong")
    with pytest.raises(WeChatClientException) as error:
        client.send_text("oUser", "你好")
    assert error.value.errcode == 40125
    assert fake.sent_to("oUser") == []


def test_a_text_over_the_limit_is_refused_by_wechat(fake: FakeWeChat, store: ChannelStore) -> None:
    with pytest.raises(WeChatClientException) as error:
        api(fake, store).send_text("oUser", "字" * 700)  # 2100 bytes
    assert error.value.errcode == 45002


def test_an_unreachable_api_fails_within_the_timeout(store: ChannelStore) -> None:
    settings = load_wechat_settings(None, {"WECHAT_APPID": APPID, "WECHAT_APPSECRET": SECRET,
                                           "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/", "WECHAT_API_TIMEOUT": "1"})
    with pytest.raises(requests.RequestException):
        WeChatApi(settings, store).send_text("oUser", "你好")
