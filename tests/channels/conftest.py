"""The stack of the channels' handoff tests: one Rasa server with both messaging channels, on the session stack.

The Rasa runs the WeChat and the WeCom channel against their fake platforms, with the session's action server
and its database (where the action queues the handoff and the desk keeps it). The fake platforms post straight
to Rasa's webhooks (the edge passes these through unchanged; its pass-through has tests of its own). The agents'
side is the real desk on the same database, called directly as the console calls it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.console import store
from bot.console.auth import Auth, User
from bot.console.deliveries import Deliveries
from bot.console.handoff import Desk, set_default_desk
from bot.console.hours import parse_hours
from bot.console.phones import PhoneBox
from tests.channels.fake_wechat import FakeWeChat, new_aes_key
from tests.channels.fake_wecom import FakeWeCom
from tests.conftest import Stack
from tests.e2e.stack import Service, rasa_server

HANDOFF_APPID = "wx0handoff0test01"
HANDOFF_TOKEN, HANDOFF_SECRET = "handoff-wechat-token", "handoff-app-secret"
AGENT_NAME = "李坐席"


@dataclass
class HandoffStack:
    """The Rasa with both channels, the fake platforms, and the desk and outbox of the session's database."""

    rasa: Service
    wechat: FakeWeChat
    wecom: FakeWeCom
    desk: Desk
    outbox: Deliveries
    agent: User


@pytest.fixture(scope="session")
def handoff_stack(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HandoffStack]:
    wechat = FakeWeChat(HANDOFF_TOKEN, HANDOFF_APPID, HANDOFF_SECRET, new_aes_key()).start()
    wecom = FakeWeCom().start()
    workdir = tmp_path_factory.mktemp("channel-handoff")
    env = {**stack.env, "WECHAT_TOKEN": HANDOFF_TOKEN, "WECHAT_APPID": HANDOFF_APPID,
           "WECHAT_APPSECRET": HANDOFF_SECRET, "WECHAT_ENCODING_AES_KEY": wechat.aes_key,
           "WECHAT_API_BASE": wechat.api_base,
           "WECOM_CORP_ID": wecom.corp_id, "WECOM_SECRET": wecom.secret, "WECOM_TOKEN": wecom.token,
           "WECOM_ENCODING_AES_KEY": wecom.aes_key, "WECOM_API_BASE": wecom.api_base,
           "CHANNEL_DATABASE_URL": f"sqlite:///{workdir / 'channels.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
           "CHANNEL_DELIVERY_INTERVAL": "0.2", "CHANNEL_DELIVERY_RETRY": "1"}
    rasa = rasa_server(workdir, env, stack.actions)
    try:
        rasa.start()
        url = rasa.ready_url.rstrip("/")
        wechat.webhook = url + "/webhooks/wechat/webhook"
        wecom.webhook_url = url + "/webhooks/wecom/webhook"
        engine = store.engine_for(stack.env["DATABASE_URL"])
        agent = Auth(engine).add_user(f"agent-{secrets.token_hex(4)}", "agent-password-1", ["agent"], AGENT_NAME)
        desk = Desk(engine, parse_hours("always"), PhoneBox(Fernet.generate_key()))
        yield HandoffStack(rasa, wechat, wecom, desk, Deliveries(engine), agent)
    finally:
        rasa.stop()
        wechat.stop()
        wecom.stop()


@pytest.fixture()
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A desk on its own database, installed as the process-wide desk the relay uses (in-process channels)."""
    engine = store.engine_for(f"sqlite:///{tmp_path / 'console.db'}")
    desk = Desk(engine, parse_hours("always"), PhoneBox(Fernet.generate_key()))
    set_default_desk(desk)
    yield desk
    set_default_desk(None)
