"""Every setting of the load harness: environment variable, default, meaning. The one place to change them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from bot.config import PROJECT_ROOT

FAULTS = ("rasa", "actions", "redis", "postgres")

# name: (default, meaning); LoadSettings has one field per name, lower-cased without the LOAD_ prefix
DEFAULTS: dict[str, tuple[str, str]] = {
    "LOAD_DIR": (str(PROJECT_ROOT / "var" / "load"), "state of the load topology (UP_DIR) and the turn records"),
    "LOAD_WARMUP_SECONDS": ("30", "unmeasured load right after the start (models, caches, connection pools warm up)"),
    "LOAD_THROUGHPUT_USERS": ("10", "users of the throughput phase (no pause between turns)"),
    "LOAD_THROUGHPUT_SECONDS": ("60", "length of the throughput phase"),
    "LOAD_STEADY_USERS": ("100", "users of the steady phase, which must have 0 errors"),
    "LOAD_STEADY_SECONDS": ("120", "length of the steady phase"),
    "LOAD_USERS": ("200", "users of the full load phase"),
    "LOAD_SECONDS": ("300", "length of the full load phase"),
    "LOAD_FAULT_USERS": ("50", "users during each fault phase"),
    "LOAD_FAULT_SECONDS": ("90", "length of each fault phase"),
    "LOAD_FAULT_AFTER": ("25", "seconds of load before the fault is injected"),
    "LOAD_FAULTS": (",".join(FAULTS), "faults to inject, in order (rasa, actions, redis, postgres)"),
    "LOAD_THINK_MIN": ("3", "shortest pause of a user between two turns, seconds (all phases but throughput)"),
    "LOAD_THINK_MAX": ("10", "longest pause of a user between two turns, seconds"),
    "LOAD_SPAWN_RATE": ("20", "users started per second"),
    "LOAD_REQUEST_TIMEOUT": ("45", "client timeout of one turn, seconds (the edge gives up on Rasa after 30)"),
    "LOAD_RECOVERY_TIMEOUT": ("240", "longest wait for a restarted process to be back, seconds"),
    "LOAD_WINDOW": ("5", "width of the rate windows used to judge recovery, seconds"),
    "LOAD_RASA_REPLICAS": ("2", "Rasa replicas of the load topology"),
    "LOAD_ACTION_REPLICAS": ("2", "action servers of the load topology"),
}


@dataclass(frozen=True)
class LoadSettings:
    """The harness's settings (see DEFAULTS for the meaning of each)."""

    dir: Path
    warmup_seconds: int
    throughput_users: int
    throughput_seconds: int
    steady_users: int
    steady_seconds: int
    users: int
    seconds: int
    fault_users: int
    fault_seconds: int
    fault_after: float
    faults: tuple[str, ...]
    think_min: float
    think_max: float
    spawn_rate: float
    request_timeout: float
    recovery_timeout: float
    window: float
    rasa_replicas: int
    action_replicas: int


def load_settings(environ: Mapping[str, str] | None = None) -> LoadSettings:
    """Read the settings from the environment (or `environ`); unset or empty variables take DEFAULTS.

    Raises ValueError naming the variable when a value is not usable.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for item in fields(LoadSettings):
        name = "LOAD_" + item.name.upper()
        raw = env.get(name) or DEFAULTS[name][0]
        try:
            if item.name == "dir":
                values[item.name] = Path(raw)
            elif item.name == "faults":
                faults = tuple(part.strip() for part in raw.split(",") if part.strip())
                unknown = [fault for fault in faults if fault not in FAULTS]
                if unknown:
                    raise ValueError(f"unknown fault {unknown[0]!r} (known: {', '.join(FAULTS)})")
                values[item.name] = faults
            elif item.type in ("int", int):
                values[item.name] = int(raw)
            else:
                values[item.name] = float(raw)
        except ValueError as error:
            raise ValueError(f"{name}={raw!r}: {error}") from error
    settings = LoadSettings(**values)  # type: ignore[arg-type]
    if settings.think_min > settings.think_max or settings.think_min < 0:
        raise ValueError("LOAD_THINK_MIN must be between 0 and LOAD_THINK_MAX")
    return settings
