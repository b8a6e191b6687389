"""Free loopback ports are chosen outside the kernel's ephemeral range, so a client connection made while a
topology starts cannot take a server's port first."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot import ports


@pytest.fixture
def narrow_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """An ephemeral range covering most ports, leaving little room either side."""
    path = tmp_path / "ip_local_port_range"
    path.write_text("10100\t65000\n")
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE_FILE", path)
    return 10100, 65000


def test_the_range_is_read_from_the_kernel_file(narrow_range: tuple[int, int]) -> None:
    assert ports.ephemeral_range() == narrow_range


def test_an_unreadable_range_falls_back_to_linux_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE_FILE", tmp_path / "missing")
    assert ports.ephemeral_range() == ports.DEFAULT_EPHEMERAL_RANGE


def test_blocks_lie_wholly_outside_the_ephemeral_range(narrow_range: tuple[int, int]) -> None:
    first, last = narrow_range
    taken: set[int] = set()
    for _ in range(20):
        base = ports.free_port_block(3, taken)
        assert all(port < first or port > last for port in range(base, base + 3)), base
    assert len(taken) == 60  # the blocks never overlapped


def test_a_port_in_use_is_not_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ip_local_port_range"
    path.write_text("10002 65535\n")  # only 10000 and 10001 remain
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE_FILE", path)
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", 10000))
        except OSError:
            pytest.skip("port 10000 is busy on this machine")
        assert ports.free_port_block() == 10001
        with pytest.raises(RuntimeError):
            ports.free_port_block(2)
