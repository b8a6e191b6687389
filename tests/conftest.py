"""Shared fixtures: one real stack per test session (catalog DB, reference backend, action server, Rasa, edge)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.stack import MODEL, ROOT, Chat, Service, action_server, backend, base_env, edge_server, rasa_server


def pytest_configure(config: pytest.Config) -> None:
    """Keep more fitted resolvers than a deployment does (RESOLVER_CACHE_KEEP, inherited by every server a test
    starts): the tests fit many edited catalogs, and with three kept the knowledge's own entry was pushed out and
    fitted again and again (40-50 s each)."""
    os.environ.setdefault("RESOLVER_CACHE_KEEP", "20")


@dataclass
class Stack:
    """URLs and handles of the running processes."""

    workdir: Path
    knowledge: Path
    env: dict[str, str]
    backend: Service
    actions: Service
    rasa: Service
    edge: Service

    @property
    def rasa_url(self) -> str:
        return self.rasa.ready_url.rstrip("/")

    @property
    def edge_url(self) -> str:
        """The edge serving the pages and forwarding chat to this stack's Rasa (no trailing slash)."""
        return self.edge.ready_url.rstrip("/")

    def chat(self) -> Chat:
        """A new conversation with its own sender id."""
        return Chat(self.rasa_url, f"e2e-{uuid.uuid4().hex[:10]}")

    def load_knowledge(self) -> str:
        """Load the (possibly edited) knowledge copy into this stack's catalog database."""
        result = subprocess.run([sys.executable, "-m", "bot", "knowledge", "load", "--dir", str(self.knowledge)],
                                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start everything once; stop it all at the end."""
    assert MODEL.exists(), "models/onevisit.tar.gz is missing: run `make train` (make test does it)"
    workdir = tmp_path_factory.mktemp("stack")
    knowledge = workdir / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    env = base_env(workdir)
    services: list[Service] = []
    try:
        back = backend(workdir, env)
        back.start()
        services.append(back)
        result = Stack(workdir, knowledge, env, back, None, None, None)  # type: ignore[arg-type]
        result.load_knowledge()
        actions = action_server(workdir, env, back.ready_url.replace("/v1/health", ""))
        actions.start()
        services.append(actions)
        rasa = rasa_server(workdir, env, actions)
        rasa.start()
        services.append(rasa)
        edge = edge_server(workdir, env, rasa.ready_url.rstrip("/"))
        edge.start()
        services.append(edge)
        result.actions, result.rasa, result.edge = actions, rasa, edge
        # one affair question first: the action server builds its resolver on first use (tens of seconds on a
        # busy machine), which must not count against the edge's or a channel's wait for an answer
        Chat(result.rasa_url, "warm-up").say("护照怎么办", timeout=300)
        yield result
    finally:
        for service in reversed(services):
            service.stop()
