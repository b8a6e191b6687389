"""The short version of `make load`: the locust harness (bench/load) against a real `make up` topology on
free ports, 20 simulated citizens for about 30 s: once with a Rasa replica killed (-9) and restarted, once
with Redis restarted and once with PostgreSQL restarted. No timing asserts: the figures are printed.

The checks of the harness itself (outcome classes, the tracker comparison, the recovery time) come first and
need no topology.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import records
from bench.load.figures import recovery_seconds
from bench.load.records import Turn
from bench.load.report import describe
from bench.load.runner import Phase, PhaseResult, run_phase
from bench.load.topology import Topology
from bench.load.tracker import TrackerCheck, compare, same_text
from bot.edge import messages
from tests.e2e.stack import MODEL

TOOLS = ("redis-server", "redis-cli", "haproxy")
USERS, SECONDS, THINK = 20, 30, (1.0, 3.0)


def turn(seq: int, text: str, outcome: str = records.OK, started: float = 0.0, latency: float = 0.1) -> Turn:
    return Turn("load-test", seq, text, 200, started, latency, outcome)


# --- the harness's own checks ---------------------------------------------------------------------

def test_outcomes_are_classified() -> None:
    assert records.classify(200, [{"text": "您好"}])[0] == records.OK
    assert records.classify(200, [])[0] == records.EMPTY
    no_answer = {"error": messages.NO_ANSWER.format(hotline="12345")}  # the edge's 503 for a failed turn
    assert records.classify(503, no_answer)[0] == records.CLEAR_FAILURE
    assert records.classify(503, {"error": "抱歉，服务暂时不可用"})[0] == records.CLEAR_FAILURE
    assert records.classify(500, {"error": "Traceback (most recent call last)"})[0] == records.HTTP_ERROR
    assert records.classify(502, "<html>Bad Gateway</html>")[0] == records.HTTP_ERROR
    assert records.classify(200, [{"text": "KeyError: 'x'"}])[0] == records.HTTP_ERROR


def test_tracker_comparison_finds_loss_reordering_and_duplicates() -> None:
    sent = [turn(0, "你好"), turn(1, "身份证丢了怎么补"), turn(2, "K7M3Q9TX"), turn(3, "谢谢", records.EMPTY)]
    fine = TrackerCheck()
    compare(sent, ["你好", "身份证丢了怎么补", "〔已加密的查询码#abc〕"], fine)
    assert fine.ok and fine.answered == 3
    lost, reordered, doubled = TrackerCheck(), TrackerCheck(), TrackerCheck()
    compare(sent, ["你好", "〔已加密的查询码#abc〕"], lost)
    compare(sent, ["身份证丢了怎么补", "你好", "K7M3Q9TX"], reordered)
    compare(sent, ["你好", "你好", "身份证丢了怎么补", "K7M3Q9TX"], doubled)
    assert (lost.lost, reordered.reordered, doubled.duplicated) == (1, 1, 1)
    assert not (lost.ok or reordered.ok or doubled.ok)
    assert same_text("ZJ2026330106000101 K7M3Q9TX", "ZJ2026330106000101 〔已加密的查询码#x〕")
    assert not same_text("你好", "〔已加密的查询码#x〕吗")


def test_recovery_is_measured_from_the_fault_to_the_normal_rate() -> None:
    steady = [turn(i, "t", started=i * 0.5) for i in range(40)]               # 2 turns/s until t=20
    failed = [turn(100 + i, "t", records.CLEAR_FAILURE, started=20 + i) for i in range(5)]  # until t=25
    after = [turn(200 + i, "t", started=25 + i * 0.5) for i in range(40)]
    recovery = recovery_seconds(steady + failed + after, 20.0, 0.0, 5.0)
    assert recovery is not None and 5.0 <= recovery <= 9.0
    assert recovery_seconds(steady + failed, 20.0, 0.0, 5.0) is None


# --- the harness against a real topology ------------------------------------------------------------

@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (`make services` installs them; `make test` runs it)")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL is not installed (`make postgres`)")
    assert MODEL.exists(), "models/onevisit.tar.gz is missing: run `make train`"
    up_dir = Path(tempfile.mkdtemp(prefix="onevisit-load-"))
    result = Topology.create(up_dir, rasa_replicas=2, action_replicas=2)
    try:
        result.up()
        yield result
    finally:
        result.down()
        shutil.rmtree(up_dir, ignore_errors=True)


def run(topology: Topology, fault: str, fault_after: float) -> PhaseResult:
    phase = Phase(f"short-{fault}", USERS, SECONDS, *THINK, fault=fault, fault_after=fault_after)
    result = run_phase(topology, phase, topology.up_dir / "records", spawn_rate=10, request_timeout=45,
                       recovery_timeout=180, window=5)
    print(describe(result))
    assert result.turns, "no turn was recorded"
    assert result.figures.outcomes.get(records.OK, 0) > USERS, result.figures.outcomes
    tracker = result.tracker
    assert tracker.answered == result.figures.outcomes[records.OK]
    assert tracker.ok, f"turns lost, reordered or doubled in the tracker store: {tracker}"
    assert result.fault is not None and result.fault.back_at is not None, "the restarted process was not back"
    assert result.recovery is not None, "turns never came back to the normal rate"
    return result


def test_a_rasa_replica_killed_under_load_loses_no_turn(topology: Topology) -> None:
    result = run(topology, "rasa", fault_after=8)
    assert result.figures.unclear == 0, [t for t in result.turns if t.error and t.outcome != records.CLEAR_FAILURE]
    assert result.fault is not None and result.fault.down_at is not None, "HAProxy never marked the replica DOWN"


def test_redis_restarted_under_load_loses_no_turn(topology: Topology) -> None:
    result = run(topology, "redis", fault_after=8)
    # while Redis is away Rasa answers HTTP 200 with no message; the edge turns that into a clear request to
    # send the message again. Anything else (an empty reply, another status, a stack trace) fails.
    unexpected = [t for t in result.turns if t.outcome not in (records.OK, records.CLEAR_FAILURE)]
    assert not unexpected, unexpected[:5]


def test_postgresql_restarted_under_load_loses_no_turn(topology: Topology) -> None:
    result = run(topology, "postgres", fault_after=8)
    unexpected = [t for t in result.turns if t.outcome not in (records.OK, records.CLEAR_FAILURE)]
    assert not unexpected, unexpected[:5]
