"""Messages left outside the service hours and the audit of lookups, over the console's HTTP API: agents and
supervisors list them (number masked), only a supervisor reveals the number and every reveal is an audit row (who,
which message and masked number, when), marking a message called back takes it off the open list, and only a
supervisor reads the audit; a maintainer does none of it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from console_helpers import ConsoleFactory
from cryptography.fernet import Fernet
from sqlalchemy import select

from backend.seed import SAMPLE_CASES
from backend.testing import running_server
from bot.cases import CaseApiConfig, CaseClient, mask_case_number
from bot.cases.attempts import AttemptLimiter
from bot.catalog.db import engine_for as catalog_engine_for
from bot.console import store
from bot.console.handoff import Desk
from bot.console.phones import PhoneBox

PHONE, MASKED = "13912345678", "139****5678"
ID_NUMBER = "33010619900101123X"
OPENID = "wx:oAbCdEf-raw-openid-42"


class Clock:
    """A clock the test moves (so that "when" can be checked to the second)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console(db_url: str, start_console: ConsoleFactory, clock: Clock):
    return start_console(db_url, clock=clock)


def leave(console, sender: str = OPENID, text: str = "明天上午请回电，我想问补办身份证", phone: str = "139-1234-5678",
          channel: str = "wx") -> int:
    return console.services.desk.leave_message(sender, text, phone, channel)


def reveal_rows(console) -> list[dict]:
    answer = console.supervisor.get("/api/audit", action="reveal_phone")
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"]


def test_a_left_message_is_listed_for_staff_with_the_number_masked(console, clock: Clock) -> None:
    message_id = leave(console, text=f"请回电，我的身份证号{ID_NUMBER}，想问补办")
    for staff in (console.agent, console.supervisor):
        answer = staff.get("/api/left-messages")
        assert answer.status_code == 200, answer.text
        [listed] = answer.json()["messages"]
        assert (listed["id"], listed["phone"], listed["status"], listed["channel"]) == (message_id, MASKED, "new",
                                                                                         "wx")
        assert listed["created_at"] == store.iso(clock.now) and listed["handled_by"] is None
        assert listed["citizen"].startswith("wx#") and "请回电" in listed["text"]
        assert PHONE not in answer.text and ID_NUMBER not in answer.text and "oAbCdEf" not in answer.text
        assert "phone_cipher" not in listed
    assert console.maintainer.get("/api/left-messages").status_code == 403
    assert console.api.get("/api/left-messages").status_code == 401
    wrong = console.agent.get("/api/left-messages", status="open")
    assert wrong.status_code == 400 and "new" in wrong.json()["error"]


def test_only_a_supervisor_reveals_the_number_and_each_reveal_is_audited(console, clock: Clock) -> None:
    first = leave(console)
    second = leave(console, sender="web-two", phone="0571-8888 1234", channel="web")
    for refused in (console.agent, console.maintainer):
        assert refused.post(f"/api/left-messages/{first}/reveal").status_code == 403
    assert console.api.post(f"/api/left-messages/{first}/reveal").status_code == 401
    assert reveal_rows(console) == []  # nothing was revealed

    clock.now += 3600
    revealed = console.supervisor.post(f"/api/left-messages/{first}/reveal")
    assert revealed.status_code == 200 and revealed.json() == {"phone": PHONE}
    clock.now += 60
    assert console.supervisor.post(f"/api/left-messages/{second}/reveal").json() == {"phone": "057188881234"}

    rows = reveal_rows(console)
    assert [(r["user"], r["action"], r["outcome"], r["at"]) for r in rows] == [
        ("super1", "reveal_phone", "revealed", store.iso(clock.now)),
        ("super1", "reveal_phone", "revealed", store.iso(clock.now - 60))]
    assert f"#{first}" in rows[1]["target"] and MASKED in rows[1]["target"]
    assert f"#{second}" in rows[0]["target"] and "0571****1234" in rows[0]["target"]
    with console.services.engine.connect() as conn:
        audited = " ".join(str(v) for row in conn.execute(select(store.audit)) for v in row)
    assert PHONE not in audited and "057188881234" not in audited

    missing = console.supervisor.post("/api/left-messages/99999/reveal")
    assert missing.status_code == 404 and missing.json()["error"] == "没有找到这条留言。"
    assert len(reveal_rows(console)) == 2


def test_a_number_sealed_under_another_key_is_refused_politely_and_audited(console, clock: Clock) -> None:
    services = console.services
    other = Desk(services.engine, services.desk.hours, PhoneBox(Fernet.generate_key()), services.audit, clock)
    message_id = other.leave_message("web-old-key", "请回电", PHONE)
    answer = console.supervisor.post(f"/api/left-messages/{message_id}/reveal")
    assert answer.status_code == 409 and "无法解密" in answer.json()["error"] and PHONE not in answer.text
    assert [(r["user"], r["outcome"]) for r in reveal_rows(console)] == [("super1", "undecryptable")]


def test_marking_a_message_called_back_takes_it_off_the_open_list(console, clock: Clock) -> None:
    first, second = leave(console), leave(console, sender="web-two", channel="web")
    assert console.maintainer.post(f"/api/left-messages/{first}/done").status_code == 403
    assert console.api.post(f"/api/left-messages/{first}/done").status_code == 401
    assert [m["id"] for m in console.agent.get("/api/left-messages").json()["messages"]] == [second, first]

    clock.now += 120
    assert console.agent.post(f"/api/left-messages/{first}/done").json() == {"ok": True}
    assert [m["id"] for m in console.agent.get("/api/left-messages").json()["messages"]] == [second]
    [done] = console.supervisor.get("/api/left-messages", status="done").json()["messages"]
    assert (done["id"], done["status"], done["handled_by"], done["handled_at"]) == (first, "done", "agent1",
                                                                                    store.iso(clock.now))
    assert console.supervisor.post(f"/api/left-messages/{second}/done").status_code == 200
    assert console.agent.get("/api/left-messages").json()["messages"] == []
    assert {m["id"]: m["handled_by"] for m in console.agent.get("/api/left-messages", status="all").json()[
        "messages"]} == {first: "agent1", second: "super1"}
    missing = console.agent.post("/api/left-messages/99999/done")
    assert missing.status_code == 404 and missing.json()["error"] == "没有找到这条留言。"


@pytest.fixture
def lookups(tmp_path: Path, sqlite_url: str, start_console: ConsoleFactory):
    """A console on SQLite with the reference case-status server behind it."""
    limiter = AttemptLimiter(catalog_engine_for(f"sqlite:///{tmp_path / 'attempts.db'}"), b"left-secret")
    with running_server(tmp_path / "backend", token="left-token", env={"BACKEND_RATE_LIMIT": "10000"}) as backend:
        client = CaseClient(CaseApiConfig(base_url=backend.url, token="left-token"))
        yield start_console(sqlite_url, case_client=lambda: client, limiter=lambda: limiter)
        client.close()


def test_only_a_supervisor_reads_who_looked_up_which_case(lookups) -> None:
    console = lookups
    sample = SAMPLE_CASES[0]
    found = console.agent.post("/api/cases/lookup", {"case_number": sample.case_number, "factor": sample.query_code})
    assert found.json()["outcome"] == "found"
    missed = console.agent2.post("/api/cases/lookup", {"case_number": sample.case_number, "factor": "0000"})
    assert missed.json()["outcome"] == "not_found_or_mismatch"
    message_id = leave(console)
    assert console.supervisor.post(f"/api/left-messages/{message_id}/reveal").status_code == 200

    for refused in (console.agent, console.maintainer):
        answer = refused.get("/api/audit")
        assert answer.status_code == 403 and answer.json()["error"] == "您的账号没有这项权限。"
    assert console.api.get("/api/audit").status_code == 401

    everything = console.supervisor.get("/api/audit")
    assert everything.status_code == 200
    rows = everything.json()["rows"]
    assert [(r["user"], r["action"], r["outcome"]) for r in rows] == [
        ("super1", "reveal_phone", "revealed"), ("agent2", "case_lookup", "not_found_or_mismatch"),
        ("agent1", "case_lookup", "found")]
    assert {r["target"] for r in rows[1:]} == {mask_case_number(sample.case_number)}
    assert sample.case_number not in everything.text and all(r["at"] for r in rows)
    lookups_only = console.supervisor.get("/api/audit", action="case_lookup").json()["rows"]
    assert [r["user"] for r in lookups_only] == ["agent2", "agent1"]
    older = console.supervisor.get("/api/audit", action="case_lookup", before=lookups_only[0]["id"]).json()["rows"]
    assert [r["user"] for r in older] == ["agent1"]
