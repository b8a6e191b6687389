"""The conversations simulated users hold: affair questions answered through the buttons the bot offers,
a case-status lookup, small talk and a cancelled question. Found by talking to a running `make up` stack.

A conversation is a small state machine: `next_message(replies)` reads the bot's last replies and returns the
next thing to say, or None when the conversation is over. No locust here, so it can be tested alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DISTRICT_QUESTION = "哪个市、区县"
MAX_CLICKS = 4  # situation questions answered by button before giving up on the form


@dataclass(frozen=True)
class AffairScript:
    """Ask about an affair, answer its situation questions with the offered buttons, name a district,
    then ask a follow-up question."""

    opening: str
    prefer: tuple[str, ...]  # button titles to pick when offered (else the first situation button)
    district: str
    follow_up: str


@dataclass(frozen=True)
class FixedScript:
    """Messages said one after another whatever the bot answers."""

    messages: tuple[str, ...]


Script = AffairScript | FixedScript

SCRIPTS: tuple[Script, ...] = (
    AffairScript("身份证丢了怎么补", ("已满16周岁", "浙江户口"), "杭州市西湖区", "办理需要多长时间"),
    AffairScript("结婚登记要带什么", ("双方都是初婚", "都有有效身份证"), "宁波市鄞州区", "要多少钱"),
    AffairScript("护照怎么办", ("第一次申请",), "杭州市上城区", "能网上办吗"),
    AffairScript("给孩子上户口", ("浙江省内医院出生",), "温州市鹿城区", "在哪里办"),
    FixedScript(("查一下办件进度", "ZJ2026330106000101", "K7M3Q9TX", "谢谢")),
    FixedScript(("我的申请批下来没有", "ZJ2026330102000102", "H4PZ8WRC")),
    FixedScript(("你好", "你是机器人吗", "结婚登记要带什么", "算了", "再见")),
    FixedScript(("你好", "今天天气怎么样", "谢谢")),
)


def situation_buttons(replies: list[dict]) -> list[dict]:
    """Buttons that answer a situation question: plain text payloads (intents start with "/")."""
    return [button for reply in replies for button in (reply.get("buttons") or [])
            if isinstance(button, dict) and not str(button.get("payload", "")).startswith("/")]


def reply_text(replies: list[dict]) -> str:
    """All reply texts joined."""
    return "\n".join(str(reply.get("text") or "") for reply in replies)


@dataclass
class Conversation:
    """One run of a script by one sender."""

    script: Script
    sent: list[str] = field(default_factory=list)
    clicks: int = 0
    district_sent: bool = False
    follow_up_sent: bool = False

    def next_message(self, replies: list[dict]) -> str | None:
        """What to say next after the bot's `replies` to the previous message (ignored before the first)."""
        message = self._next(replies)
        if message is not None:
            self.sent.append(message)
        return message

    def _next(self, replies: list[dict]) -> str | None:
        script = self.script
        if isinstance(script, FixedScript):
            return script.messages[len(self.sent)] if len(self.sent) < len(script.messages) else None
        if not self.sent:
            return script.opening
        if self.follow_up_sent:
            return None
        buttons = situation_buttons(replies)
        if buttons and self.clicks < MAX_CLICKS:
            self.clicks += 1
            titles = [str(button.get("title", "")) for button in buttons]
            chosen = next((i for i, title in enumerate(titles) if title in script.prefer), 0)
            return str(buttons[chosen]["payload"])
        if DISTRICT_QUESTION in reply_text(replies) and not self.district_sent:
            self.district_sent = True
            return script.district
        self.follow_up_sent = True
        return script.follow_up


def new_conversation(rng: random.Random) -> Conversation:
    """A conversation with a script picked at random."""
    return Conversation(rng.choice(SCRIPTS))
