"""Conversations in the styles citizens really write in, through the REST channel against the real stack.

The conversations are data (tests/e2e/conversations.yml): a story, an indirect description, colloquial speech,
typos, pinyin, one long message, an elderly person, someone asking for a relative. For each one:

- the first reply that names an affair names it as 【<name>】 or 【<short name>】 (from knowledge/affairs/<id>.yml),
  and it is the expected affair, not another one;
- after the scripted messages, a choice of affairs is answered with the affair meant (it must be offered), each
  pending question with its first button (never 不是这个 or 都不是), or with the person's city or district
  when a reply has no buttons, until the full guide
  (“需要准备的材料”) appears: within 4 messages for a single affair, 6 for a one-thing bundle;
- the guide names the affair, and no reply is empty or shows a Traceback or an Exception.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import Stack
from tests.e2e.stack import ROOT, Chat

DATA = Path(__file__).with_name("conversations.yml")
AFFAIRS = ROOT / "knowledge" / "affairs"
PLACES = ROOT / "knowledge" / "places.yml"
REQUIRED = ROOT.parent / "shared" / "affairs.yml"
STYLES = ("story", "indirect", "colloquial", "typos", "pinyin", "long", "elderly", "relative")
GUIDE = "需要准备的材料"
NOT_A_CHOICE = ("不是这个", "都不是")
ERROR_WORDS = ("Traceback", "Exception")
CHOICE_MISSING = "<the affair meant is not offered>"
BRACKETED = re.compile(r"【([^】]+)】")
MAX_TURNS_SINGLE, MAX_TURNS_BUNDLE = 4, 6


def _yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation from conversations.yml."""

    name: str
    style: str
    affair: str
    say: tuple[str, ...]

    @property
    def bundle(self) -> bool:
        """True for a one-thing bundle (一件事)."""
        return self.affair.startswith("one-thing-")

    @property
    def max_turns(self) -> int:
        """Messages the person may send before the full guide must have appeared."""
        return MAX_TURNS_BUNDLE if self.bundle else MAX_TURNS_SINGLE


@dataclass
class Turn:
    """A message the person sent and the bot's replies to it."""

    sent: str
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(str(r.get("text") or "") for r in self.replies)


def load_conversations() -> list[Conversation]:
    """The conversations, in file order."""
    return [Conversation(c["name"], c["style"], c["affair"], tuple(c["say"])) for c in _yaml(DATA)]


CONVERSATIONS = load_conversations()


@cache
def short_names() -> dict[str, str]:
    """Affair id → the `short_name` field (follow-up answers are headed with it)."""
    return {p.stem: str(_yaml(p)["short_name"]) for p in sorted(AFFAIRS.glob("*.yml"))}


@cache
def affair_names() -> dict[str, str]:
    """Affair id → the `name` field of its knowledge file."""
    return {p.stem: str(_yaml(p)["name"]) for p in sorted(AFFAIRS.glob("*.yml"))}


def place_of(texts: Sequence[str]) -> str:
    """The most specific Zhejiang place the person named: 杭州市余杭区 for 余杭, else the city, else ""."""
    text = "".join(texts)
    city_found = ""
    for city in _yaml(PLACES)["cities"]:
        for county in city["counties"]:
            if any(n in text for n in (county["name"], *county.get("aliases", ()))):
                return city["name"] + county["name"]
        if not city_found and any(n in text for n in (city["name"], *city.get("aliases", ()))):
            city_found = city["name"]
    return city_found


def next_message(replies: list[dict[str, Any]], place: str, affair: str) -> str:
    """What the person does next: pick the affair they mean when offered a choice of affairs, else the
    pending question's first real option, or the place when nothing is offered."""
    for reply in reversed(replies):
        buttons = [b for b in reply.get("buttons") or () if b.get("title") not in NOT_A_CHOICE]
        choices = [b for b in buttons if "affair_choice" in str(b.get("payload"))]
        mine = [b for b in choices if f'"{affair}"' in str(b["payload"])]
        if choices:
            return str(mine[0]["payload"]) if mine else CHOICE_MISSING
        if buttons:
            return str(buttons[0]["payload"])
    return place


def send(chat: Chat, text: str) -> Turn:
    """Send one message; check that the replies are not empty and show no error."""
    turn = Turn(text, chat.say(text))
    assert turn.replies, f"no reply to {text!r}"
    for reply in turn.replies:
        body = str(reply.get("text") or "")
        assert body.strip() or reply.get("custom"), f"an empty reply to {text!r}: {reply}"
        assert not any(w in body for w in ERROR_WORDS), f"an error shown after {text!r}:\n{body}"
    return turn


def transcript(turns: Sequence[Turn]) -> str:
    """The conversation so far, for assertion messages."""
    return "\n".join(f">>> {t.sent}\n{t.text}" for t in turns)


def first_named(turns: Sequence[Turn]) -> str | None:
    """The 【...】 text of the first reply that names an affair."""
    for turn in turns:
        for reply in turn.replies:
            found = BRACKETED.findall(str(reply.get("text") or ""))
            if found:
                return found[0]
    return None


def test_conversations_cover_styles_and_affairs() -> None:
    names = [c.name for c in CONVERSATIONS]
    assert len(CONVERSATIONS) >= 40 and len(set(names)) == len(names)
    known = affair_names()
    required = {a["id"] for a in _yaml(REQUIRED)} if REQUIRED.exists() else set(known)
    for conversation in CONVERSATIONS:
        assert conversation.style in STYLES, conversation.name
        assert conversation.affair in known and conversation.affair in required, conversation.name
        assert conversation.say and all(s.strip() for s in conversation.say), conversation.name
        assert place_of(conversation.say), f"{conversation.name}: no Zhejiang city or district mentioned"
    styles = Counter(c.style for c in CONVERSATIONS)
    assert all(styles[s] >= 4 for s in STYLES), styles
    affairs = {c.affair for c in CONVERSATIONS}
    assert len(affairs) >= 30
    assert sum(a.startswith("one-thing-") for a in affairs) >= 4


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.name for c in CONVERSATIONS])
def test_style_conversation_reaches_the_guide(stack: Stack, conversation: Conversation) -> None:
    names = affair_names()
    expected = names[conversation.affair]
    place = place_of(conversation.say)
    chat = stack.chat()
    turns = [send(chat, text) for text in conversation.say]
    while not any(GUIDE in t.text for t in turns) and len(turns) < conversation.max_turns:
        message = next_message(turns[-1].replies, place, conversation.affair)
        assert message != CHOICE_MISSING, f"the affair meant was not among the choices:\n{transcript(turns)}"
        turns.append(send(chat, message))

    shown = first_named(turns)
    assert shown is not None, f"no reply named an affair as 【...】:\n{transcript(turns)}"
    other = next((i for i, n in names.items() if shown in n), "an unknown affair")
    assert shown in (expected, short_names()[conversation.affair]), \
        f"【{shown}】 ({other}) was named first, not 【{expected}】:\n{transcript(turns)}"

    guides = [i for i, t in enumerate(turns, 1) if GUIDE in t.text]
    assert guides, f"no full guide within {conversation.max_turns} messages:\n{transcript(turns)}"
    assert guides[0] <= conversation.max_turns, transcript(turns)
    assert expected in turns[guides[0] - 1].text, f"the guide does not name {expected}:\n{transcript(turns)}"
