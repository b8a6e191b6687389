"""`python -m bench.load`: load and fault tests of the horizontal topology (make load).

  python -m bench.load              start a topology in LOAD_DIR/up, run every phase, print the summary, stop it
  python -m bench.load --keep       the same, leaving the topology running (stop it with --down)
  python -m bench.load phase NAME --users N --seconds S [--think MIN MAX] [--fault F]
                                    one phase against the topology already running in LOAD_DIR/up
  python -m bench.load --down       stop the topology in LOAD_DIR/up

Settings: bench/load/settings.py (LOAD_USERS, LOAD_SECONDS, ...). Exit status 1 when a phase fails its check.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from bench.load.report import describe, summary, verdict
from bench.load.runner import Phase, PhaseResult, run_phase
from bench.load.settings import DEFAULTS, FAULTS, LoadSettings, load_settings
from bench.load.topology import Topology


def phases(settings: LoadSettings) -> list[tuple[Phase, bool]]:
    """Every phase of `make load`, with whether it must have no error at all."""
    think = (settings.think_min, settings.think_max)
    plan = [(Phase("warm-up", settings.throughput_users, settings.warmup_seconds), False)] \
        if settings.warmup_seconds > 0 else []
    plan += [(Phase("throughput", settings.throughput_users, settings.throughput_seconds), False),
            (Phase("steady", settings.steady_users, settings.steady_seconds, *think), True),
            (Phase("full", settings.users, settings.seconds, *think), False)]
    for fault in settings.faults:
        plan.append((Phase(f"fault-{fault}", settings.fault_users, settings.fault_seconds, *think, fault=fault,
                           fault_after=settings.fault_after), False))
    return plan


def measure(topology: Topology, phase: Phase, settings: LoadSettings, zero_errors: bool) -> tuple[PhaseResult,
                                                                                                   list[str]]:
    """Run one phase, print its figures and verdict."""
    print(f"-- {phase.name} ({phase.users} users, {phase.seconds} s"
          + (f", fault {phase.fault} after {phase.fault_after:g} s" if phase.fault else "") + ") ...", flush=True)
    result = run_phase(topology, phase, settings.dir / "records", spawn_rate=settings.spawn_rate,
                       request_timeout=settings.request_timeout, recovery_timeout=settings.recovery_timeout,
                       window=settings.window)
    problems = verdict(result, zero_errors)
    print(describe(result))
    print("   " + ("ok" if not problems else "FAIL: " + "; ".join(problems)), flush=True)
    return result, problems


def run_all(settings: LoadSettings, keep: bool) -> int:
    """Start the topology, run every phase, print the summary, stop the topology."""
    up_dir = settings.dir / "up"
    topology = Topology.create(up_dir, settings.rasa_replicas, settings.action_replicas)
    print(f"==> 启动压测用的拓扑（{up_dir}，edge {topology.edge}）", flush=True)
    started = time.monotonic()
    try:
        topology.up()
        print(f"   就绪，用时 {time.monotonic() - started:.0f} 秒", flush=True)
        results = [measure(topology, phase, settings, zero) for phase, zero in phases(settings)]
    finally:
        if not keep:
            print("==> 停止压测用的拓扑", flush=True)
            topology.down()
    summary(results)
    failed = [result.phase.name for result, problems in results if problems]
    print("全部通过" if not failed else f"未通过：{', '.join(failed)}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0],
                                     epilog="settings (environment): " + ", ".join(
                                         f"{name}={default}" for name, (default, _) in DEFAULTS.items()))
    parser.add_argument("--keep", action="store_true", help="leave the topology running afterwards")
    parser.add_argument("--down", action="store_true", help="stop the topology in LOAD_DIR/up and exit")
    commands = parser.add_subparsers(dest="command")
    one = commands.add_parser("phase", help="one phase against the running topology in LOAD_DIR/up")
    one.add_argument("name")
    one.add_argument("--users", type=int, required=True)
    one.add_argument("--seconds", type=int, required=True)
    one.add_argument("--think", type=float, nargs=2, default=(0.0, 0.0), metavar=("MIN", "MAX"))
    one.add_argument("--fault", choices=FAULTS)
    one.add_argument("--fault-after", type=float)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ValueError as error:
        parser.error(str(error))
    up_dir = settings.dir / "up"
    if args.down:
        print(Topology.open(up_dir).down().stdout, end="")
        return 0
    if args.command == "phase":
        if not (up_dir / "load.env").exists():
            parser.error(f"no topology in {up_dir}: run `python -m bench.load --keep` first")
        phase = Phase(args.name, args.users, args.seconds, *args.think, fault=args.fault,
                      fault_after=settings.fault_after if args.fault_after is None else args.fault_after)
        _, problems = measure(Topology.open(up_dir), phase, settings, zero_errors=False)
        return 1 if problems else 0
    return run_all(settings, args.keep)


if __name__ == "__main__":
    sys.exit(main())
