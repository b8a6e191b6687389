"""Analytics on a real tracker store: short conversations through the real stack (Rasa, actions), then a refresh."""

from __future__ import annotations

from collections import Counter

from console_helpers import ConsoleFactory
from sqlalchemy import select

from bot.console import store
from bot.dialogue.turns import not_mine_text

NOT_MINE = "我的银行卡丢了要怎么去挂失呢"
UNANSWERED = "请问公积金提取需要办什么手续呀"
ANSWERED = "我想取公积金"
FUND = {"housing-fund-withdrawal-leave", "housing-fund-withdrawal-purchase", "housing-fund-withdrawal-rent"}


def _cells(engine) -> dict[tuple[str, str], Counter]:
    with engine.connect() as conn:
        rows = conn.execute(select(store.daily)).mappings().all()
    return {(r["day"], r["affair"]): Counter({k: v for k, v in r.items() if isinstance(v, int)}) for r in rows}


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.text: r.count for r in conn.execute(select(store.questions).where(
            store.questions.c.kind == "unresolved"))}


def test_refresh_on_real_conversations(stack, db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url, tracker_store_url=stack.env["TRACKER_STORE_URL"])
    found = console.services
    assert console.supervisor.post("/api/analytics/refresh").status_code == 200  # what other tests left ...
    found.analytics.refresh(idle_seconds=0)  # ... including their conversations still open (the other database's)
    before, counts_before = _cells(found.engine), _counts(found.engine)

    guided = stack.chat()
    guided.say("身份证丢了怎么补办", timeout=240)  # the first message of a fresh stack builds the resolver
    for text in ("已满16周岁", "浙江户口"):
        guided.say(text)
    last = guided.say("杭州市西湖区")
    assert any((m.get("custom") or {}).get("type") == "onevisit.guide" for m in last), last
    abstained = stack.chat()
    said = abstained.text(NOT_MINE)
    assert said.startswith(not_mine_text("12345")[:12]) or "帮不上忙" in said, said
    unanswered = stack.chat()
    assert "下面哪一项" in unanswered.text(UNANSWERED)
    answered = stack.chat()
    assert "下面哪一项" in answered.text(ANSWERED)
    answered.say("第二个")

    story = {"affair": "id-card-reissue", "affair_name": "身份证补领"}
    found.desk.request_handoff(guided.sender, "web", story, "转人工")
    found.ratings.record(f"{guided.sender}:guide", 1, "id-card-reissue", "web", "330106", [])
    found.ratings.record(f"{guided.sender}:guide2", 4, "id-card-reissue", "web", "330106", ["其他"])

    report = found.analytics.refresh(idle_seconds=0)  # every conversation counts as over
    assert report.events > 20 and report.sessions_started == 4
    after = _cells(found.engine)
    day = store.local_day(found.analytics.clock(), found.settings.timezone)
    delta = {key: after.get(key, Counter()) - before.get(key, Counter()) for key in after}

    card = delta[(day, "id-card-reissue")]
    assert (card["conversations"], card["resolved"], card["clarified"], card["abstained"]) == (1, 1, 0, 0)
    assert (card["guided"], card["guide_turns"], card["handed_off"]) == (1, 4, 1)
    assert (card["ratings"], card["satisfied"]) == (2, 1)
    fund = [(a, c) for (d, a), c in delta.items() if d == day and a in FUND and c["conversations"]]
    assert len(fund) == 1 and (fund[0][1]["clarified"], fund[0][1]["resolved"]) == (1, 1)
    none = delta[(day, "")]
    assert (none["conversations"], none["abstained"], none["clarified"], none["resolved"]) == (2, 1, 1, 0)

    counts = _counts(found.engine)
    assert counts[NOT_MINE] - counts_before.get(NOT_MINE, 0) == 1
    assert counts[UNANSWERED] - counts_before.get(UNANSWERED, 0) == 1
    assert counts.get(ANSWERED, 0) == counts_before.get(ANSWERED, 0)

    shown = console.maintainer.get("/api/analytics/daily", since=day, until=day, affair="id-card-reissue").json()
    assert shown["rows"][0]["affair_name"] and shown["rows"][0]["satisfaction"] is not None
    listed = console.maintainer.get("/api/analytics/questions", kind="unresolved").json()["questions"]
    assert {NOT_MINE, UNANSWERED} <= {q["text"] for q in listed}

    again = found.analytics.refresh(idle_seconds=0)  # incremental: nothing new to read, nothing counted twice
    assert again.events == 0 and again.last_event_id == report.last_event_id and _counts(found.engine) == counts
    assert _cells(found.engine) == after
    with found.engine.connect() as conn:
        keys = " ".join(conn.execute(select(store.sessions.c.sender_key)).scalars())
    assert guided.sender not in keys and abstained.sender not in keys
