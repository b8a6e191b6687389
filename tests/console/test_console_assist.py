"""What agents ask of the assistant: affair search, the same guide the bot gives, and audited case lookups."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest
from console_helpers import Catalog, Console, ConsoleFactory
from sqlalchemy import select

from backend.seed import SAMPLE_CASES
from backend.testing import running_server
from bot.cases import CaseApiConfig, CaseClient, mask_case_number
from bot.cases.attempts import AttemptLimiter
from bot.catalog.db import engine_for as catalog_engine_for
from bot.catalog.provider import CatalogProvider
from bot.config import PROJECT_ROOT
from bot.console import store
from bot.dialogue.answers import affair_answer


@pytest.fixture
def console(tmp_path: Path, catalog: Catalog, start_console: ConsoleFactory):
    limiter = AttemptLimiter(catalog_engine_for(f"sqlite:///{tmp_path / 'attempts.db'}"), b"assist-secret")
    env = {"BACKEND_RATE_LIMIT": "10000"}
    with running_server(tmp_path / "backend", token="assist-token", env=env) as backend:
        client = CaseClient(CaseApiConfig(base_url=backend.url, token="assist-token"))
        yield start_console(f"sqlite:///{tmp_path / 'console.db'}", catalog=catalog, case_client=lambda: client,
                            limiter=lambda: limiter)
        client.close()


def test_affair_search(console) -> None:
    found = console.agent.get("/api/affairs", q="身份证丢了怎么办").json()
    assert found["decided"] == "id-card-reissue" and found["affairs"][0]["id"] == "id-card-reissue"
    assert set(found["affairs"][0]) >= {"id", "name", "department"} and found["affairs"][0]["department"]
    by_name = console.maintainer.get("/api/affairs", q="公积金").json()["affairs"]
    assert {"housing-fund-withdrawal-rent", "housing-fund-loan"} <= {a["id"] for a in by_name}
    assert console.agent.get("/api/affairs", q=" ").status_code == 400
    assert found["each"] is False and found["clarify"] == []


def once_warm(console: Console) -> dict:
    """The console's health once its start-up work (the resolver, the knowledge reader) is done."""
    deadline = time.monotonic() + 60
    while not (health := console.agent.get("/api/health").json())["warm"]:
        assert time.monotonic() < deadline, "the console did not finish warming up"
        time.sleep(0.1)
    return health


def test_health_says_when_the_start_up_work_failed(sqlite_url: str, start_console: ConsoleFactory,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """The console still answers when its start-up work fails (here there is neither a catalog to load the
    resolver from nor a knowledge folder to check), but its health says so, and each failure is logged by its
    type when it happens."""
    with caplog.at_level(logging.ERROR):
        health = once_warm(start_console(sqlite_url))
    assert (health["status"], health["warm"], health["warm_failed"]) == ("ok", True, True)
    assert sorted(r.getMessage() for r in caplog.records if r.name == "bot.console.api") == \
        ["background task failed: FileNotFoundError", "background task failed: RuntimeError"]


def test_on_a_catalog_not_loaded_yet_the_console_warms_and_search_finds_nothing(
        tmp_path: Path, start_console: ConsoleFactory, caplog: pytest.LogCaptureFixture) -> None:
    """A console started before the knowledge is loaded into its catalog database: the start-up fit of the
    resolver has nothing to fit and must not fail; a search finds no affair and decides none."""
    shutil.copytree(PROJECT_ROOT / "knowledge", tmp_path / "knowledge")  # the folder is there, not loaded yet
    url = f"sqlite:///{tmp_path / 'not-loaded.db'}"
    provider = CatalogProvider(catalog_engine_for(url), interval=0)
    not_loaded = Catalog(tmp_path / "knowledge", url, provider, provider.current())
    with caplog.at_level(logging.WARNING):
        console = start_console(f"sqlite:///{tmp_path / 'console.db'}", catalog=not_loaded)
        health = once_warm(console)
        found = console.agent.get("/api/affairs", q="身份证丢了怎么办").json()
    assert health["warm_failed"] is False
    assert (found["decided"], found["clarify"], found["affairs"]) == (None, [], [])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert any("holds no affair" in r.getMessage() for r in caplog.records)


def test_affair_search_reads_a_callers_words_without_the_number_the_agent_typed_in(console) -> None:
    found = console.agent.get("/api/affairs", q="来电人13812345678，身份证丢了怎么补办").json()
    assert found["decided"] == "id-card-reissue"


def test_affair_search_lists_both_affairs_the_words_speak_for_first(console) -> None:
    found = console.agent.get("/api/affairs", q="身份证丢了要补办，驾驶证也一起丢了").json()
    both = {"id-card-reissue", "driving-license-reissue"}
    assert (found["decided"], set(found["clarify"]), found["each"]) == (None, both, True)
    assert {a["id"] for a in found["affairs"][:2]} == both


def test_guide_is_the_bots_own_answer(console, catalog: Catalog) -> None:
    snapshot = catalog.snapshot
    first = console.agent.post("/api/guide", {"affair": "id-card-reissue", "district": "杭州市西湖区"}).json()
    assert first["district"] == {"code": "330106", "name": "杭州市西湖区"} and not first["complete"]
    assert [p["key"] for p in first["pending"]] == ["applicant_age", "hukou_place"]
    assert first["pending"][0]["options"] == [{"value": "adult", "label": "已满16周岁"},
                                              {"value": "minor", "label": "未满16周岁"}]

    answers = {"applicant_age": "未满16周岁", "hukou_place": "local"}  # a label or a value
    done = console.agent.post("/api/guide", {"affair": "id-card-reissue", "district": "330106",
                                             "answers": answers}).json()
    affair = snapshot.catalog.affair("id-card-reissue")
    expected = affair_answer(snapshot.catalog, affair, {"applicant_age": "minor", "hukou_place": "local"},
                             snapshot.catalog.places["330106"], "12345")
    assert done["text"] == expected.text and done["guide"] == expected.data
    assert done["complete"] and done["pending"] == [] and "居民户口簿" in done["text"]
    assert done["answered"][0] == {"key": "applicant_age", "ask": "补证的人是否已满16周岁？", "label": "未满16周岁"}

    wrong = console.agent.post("/api/guide", {"affair": "id-card-reissue", "answers": {"applicant_age": "old"}})
    assert wrong.status_code == 400 and "已满16周岁" in wrong.json()["error"]
    assert console.agent.post("/api/guide", {"affair": "id-card-reissue", "answers": {"color": "red"}}
                              ).status_code == 400
    assert console.agent.post("/api/guide", {"affair": "no-such-affair"}).status_code == 404
    assert console.agent.post("/api/guide", {"affair": "passport", "district": "火星"}).status_code == 400


def test_case_lookups_are_audited_and_limited(console) -> None:
    sample = SAMPLE_CASES[0]
    found = console.agent.post("/api/cases/lookup", {"case_number": sample.case_number.lower(),
                                                     "factor": sample.query_code})
    body = found.json()
    assert found.status_code == 200 and body["outcome"] == "found"
    assert body["case"]["case_number"] == sample.case_number and body["case"]["status"] == sample.status
    assert sample.case_number in body["text"]

    for left in (2, 1):
        wrong = console.agent.post("/api/cases/lookup", {"case_number": sample.case_number, "factor": "0000"}).json()
        assert wrong["outcome"] == "not_found_or_mismatch" and wrong["attempts_left"] == left and wrong["case"] is None
    console.agent.post("/api/cases/lookup", {"case_number": sample.case_number, "factor": "0000"})
    locked = console.agent.post("/api/cases/lookup", {"case_number": sample.case_number,
                                                      "factor": sample.query_code})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "15" in locked.json()["error"]
    other = console.supervisor.post("/api/cases/lookup", {"case_number": sample.case_number,
                                                          "factor": sample.applicant_phone[-4:]})
    assert other.json()["outcome"] == "found"  # the lock is the requester's, not the case's
    bad = console.agent.post("/api/cases/lookup", {"case_number": "ZJ123", "factor": "1234"})
    assert bad.status_code == 400 and "18 位" in bad.json()["error"]
    assert console.agent.post("/api/cases/lookup", {"case_number": sample.case_number, "factor": "12"}
                              ).status_code == 400

    rows = console.supervisor.get("/api/audit", action="case_lookup").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in reversed(rows)] == [
        ("agent1", "found"), ("agent1", "not_found_or_mismatch"), ("agent1", "not_found_or_mismatch"),
        ("agent1", "not_found_or_mismatch"), ("agent1", "locked"), ("super1", "found"), ("agent1", "bad_number"),
        ("agent1", "bad_factor")]
    assert rows[-1]["target"] == mask_case_number(sample.case_number) and rows[-1]["at"]
    with console.services.engine.connect() as conn:
        everything = " ".join(str(v) for row in conn.execute(select(store.audit)) for v in row)
    assert sample.case_number not in everything and sample.query_code not in everything
