"""Free loopback ports for servers that tests, benchmarks and scripts start a little later.

A port the kernel hands out for `bind(("127.0.0.1", 0))` lies in its ephemeral range, the range it also
uses for outgoing connections: while a topology starts PostgreSQL, Redis and the action servers (minutes),
one of their client connections can take the port before the Rasa server binds it. So the ports chosen
here lie outside that range. Standard library only, so `python3 -m bot.ports` works before any install.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_RANGE = (32768, 60999)  # Linux's default, when the file cannot be read
LOWEST_PORT = 10000  # below this lie the well-known and commonly configured service ports
HIGHEST_PORT = 65535


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range of ports for outgoing connections (first, last)."""
    try:
        first, last = (int(part) for part in EPHEMERAL_RANGE_FILE.read_text().split()[:2])
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL_RANGE
    return first, last


def port_free(port: int) -> bool:
    """Whether the loopback port can be bound right now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def candidate_bases(size: int, ephemeral: tuple[int, int]) -> list[range]:
    """The ranges a block of `size` ports may start in, outside the ephemeral range."""
    first, last = ephemeral
    windows = [range(LOWEST_PORT, first - size + 1), range(last + 1, HIGHEST_PORT - size + 2)]
    usable = [window for window in windows if len(window) > 0]
    return usable or [range(1024, HIGHEST_PORT - size + 2)]


def free_port_block(size: int = 1, taken: set[int] | None = None, attempts: int = 200) -> int:
    """The first of `size` consecutive free loopback ports outside the ephemeral range, none in `taken`.

    The block is added to `taken`, so several blocks chosen for one topology never overlap."""
    taken = taken if taken is not None else set()
    windows = candidate_bases(size, ephemeral_range())
    weights = [len(window) for window in windows]
    for _ in range(attempts):
        window = random.choices(windows, weights=weights)[0]
        base = random.choice(window)
        block = range(base, base + size)
        if not taken.intersection(block) and all(port_free(port) for port in block):
            taken.update(block)
            return base
    raise RuntimeError(f"no block of {size} free loopback ports outside the ephemeral range")


if __name__ == "__main__":
    print(free_port_block())
