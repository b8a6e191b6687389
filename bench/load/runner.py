"""One load phase: locust headless in a child process for a bounded time and user count, optionally a fault
injected part-way, then the figures and the tracker-store check."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import records
from bench.load.faults import FaultEvent, inject
from bench.load.figures import Figures, figures, recovery_seconds
from bench.load.records import Turn
from bench.load.topology import Topology
from bench.load.tracker import TrackerCheck, check_tracker
from bot.config import PROJECT_ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class Phase:
    """What to run: `users` simulated citizens for `seconds`, pausing think_min..think_max between turns."""

    name: str
    users: int
    seconds: int
    think_min: float = 0.0
    think_max: float = 0.0
    fault: str | None = None
    fault_after: float = 0.0


@dataclass
class PhaseResult:
    """What a phase measured."""

    phase: Phase
    turns: list[Turn]
    figures: Figures
    tracker: TrackerCheck
    fault: FaultEvent | None = None
    recovery: float | None = None   # seconds until turns succeeded again at the normal rate
    locust_exit: int = 0


def run_locust(topology: Topology, phase: Phase, record_file: Path, spawn_rate: float,
               request_timeout: float) -> subprocess.CompletedProcess:
    """locust --headless on loopback, bounded by -u and -t, waiting for the turns in flight when time is up."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "LOAD_RECORDS": str(record_file),
           "LOAD_THINK_MIN": str(phase.think_min), "LOAD_THINK_MAX": str(phase.think_max),
           "LOAD_REQUEST_TIMEOUT": str(request_timeout)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "-u", str(phase.users), "-r", str(spawn_rate), "-t", f"{phase.seconds}s",
               "--host", topology.edge, "--stop-timeout", str(int(request_timeout) + 5),
               "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=phase.seconds + request_timeout + 120)


def run_phase(topology: Topology, phase: Phase, record_dir: Path, *, spawn_rate: float, request_timeout: float,
              recovery_timeout: float, window: float) -> PhaseResult:
    """Run `phase` against `topology` and measure it."""
    record_dir.mkdir(parents=True, exist_ok=True)
    record_file = record_dir / f"{phase.name}.jsonl"
    record_file.unlink(missing_ok=True)
    fault: list[FaultEvent] = []
    worker: threading.Thread | None = None
    if phase.fault:
        def inject_later() -> None:
            time.sleep(phase.fault_after)
            fault.append(inject(topology, phase.fault, recovery_timeout))
        worker = threading.Thread(target=inject_later, daemon=True)
    started = time.time()
    if worker:
        worker.start()
    done = run_locust(topology, phase, record_file, spawn_rate, request_timeout)
    seconds = time.time() - started
    if worker:
        worker.join(timeout=recovery_timeout + 60)
    if done.returncode != 0:
        print(f"  locust exited with {done.returncode}: {done.stderr.strip()[-1500:]}", file=sys.stderr)
    turns = records.read([record_file])
    if turns:  # the time turns were actually in flight, without locust's start and stop
        seconds = max(turn.ended for turn in turns) - turns[0].started
    result = PhaseResult(phase, turns, figures(turns, seconds), check_tracker(topology.tracker_url, turns),
                         locust_exit=done.returncode)
    if fault:
        result.fault = fault[0]
        ramp = phase.users / spawn_rate
        result.recovery = recovery_seconds(turns, fault[0].at, started + ramp + 2, window)
    return result
