"""Test support: the real reference server on a free loopback port, and the contract as a checker.

Usage::

    with running_server(tmp_path) as server:
        CaseClient(CaseApiConfig(base_url=server.url, token=server.token)).lookup(...)

    problems = Contract.load().problems("/v1/cases/{case_number}", "get", status, headers, body)
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker, RefResolver

from backend.config import PROJECT_ROOT
from backend.server import READY_PREFIX


@dataclass(frozen=True)
class RunningServer:
    """A server started by ``running_server``: its base URL, token, database file and log file."""

    url: str
    token: str
    database_path: Path
    log_path: Path
    process: subprocess.Popen[str]

    def log_text(self) -> str:
        """Everything the server logged so far."""
        return self.log_path.read_text(encoding="utf-8")


@contextmanager
def running_server(
    workdir: Path,
    *,
    token: str = "test-token",
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[RunningServer]:
    """Run ``python -m backend serve`` with a fresh SQLite database in ``workdir``; stop it afterwards.

    ``env`` adds or overrides environment variables (BACKEND_RATE_LIMIT ...).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    database_path = workdir / "cases.sqlite3"
    log_path = workdir / "server.log"
    child_env = {
        **os.environ,
        "BACKEND_HOST": "127.0.0.1",
        "BACKEND_PORT": "0",
        "BACKEND_DATABASE_URL": f"sqlite:///{database_path}",
        "CASE_API_TOKEN": token,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with open(log_path, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend", "serve"],
            cwd=PROJECT_ROOT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    try:
        url = _wait_ready(process, startup_timeout, log_path)
        yield RunningServer(url, token, database_path, log_path, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _wait_ready(process: subprocess.Popen[str], timeout: float, log_path: Path) -> str:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="backend-stdout", daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=timeout)
            if line is None:
                break
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
    except queue.Empty:
        pass
    process.kill()
    raise RuntimeError(
        f"backend did not start; see {log_path}:\n{log_path.read_text(encoding='utf-8')[-2000:]}"
    )


OPENAPI_PATH = Path(__file__).with_name("openapi.yml")


class Contract:
    """The OpenAPI document, and checks of real responses against it (jsonschema, draft 2020-12)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._resolver = RefResolver(base_uri="", referrer=spec)

    @classmethod
    def load(cls, path: Path = OPENAPI_PATH) -> Contract:
        """Read backend/openapi.yml."""
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def resolve(self, node: Any) -> Any:
        """Follow ``$ref`` until a concrete object."""
        while isinstance(node, dict) and "$ref" in node:
            node = self._resolver.resolve(node["$ref"])[1]
        return node

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        """A validator for ``schema`` whose ``$ref`` point into the document."""
        return Draft202012Validator(schema, resolver=self._resolver, format_checker=FormatChecker())

    def responses(self, path: str, method: str) -> dict[str, Any]:
        """The documented responses of one operation."""
        return self.resolve(self.spec["paths"][path][method.lower()])["responses"]

    def problems(
        self, path: str, method: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """Every way one real response breaks the contract (an empty list when it conforms)."""
        documented = self.responses(path, method)
        if str(status) not in documented:
            return [f"{method} {path}: undocumented status {status}"]
        response = self.resolve(documented[str(status)])
        found: list[str] = []
        for name, header in (response.get("headers") or {}).items():
            header = self.resolve(header)
            value = headers.get(name)
            if value is None:
                if header.get("required"):
                    found.append(f"{status}: missing header {name}")
                continue
            schema = header.get("schema", {})
            candidate: Any = int(value) if schema.get("type") == "integer" and value.isdigit() else value
            found += [
                f"{status}: header {name}: {e.message}" for e in self.validator(schema).iter_errors(candidate)
            ]
        content = response.get("content") or {}
        if not content:
            return found
        media = headers.get("Content-Type", "").split(";")[0].strip()
        if media not in content:
            return [*found, f"{status}: content type {media!r} not documented"]
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return [*found, f"{status}: body is not JSON"]
        schema = content[media]["schema"]
        errors = self.validator(schema).iter_errors(document)
        return found + [f"{status}: body {list(e.absolute_path)}: {e.message}" for e in errors]
