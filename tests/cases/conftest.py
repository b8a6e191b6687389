"""Fixtures: the real reference server, and a deliberately faulty loopback server for the client."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.testing import RunningServer, running_server
from bot.cases import CaseApiConfig

TOKEN = "test-token"

VALID_CASE = {
    "case_number": "ZJ2026330106000105",
    "status": {"code": "ready_for_pickup", "label": "待领取"},
    "affair": {"id": "id-card-renew", "name": "居民身份证换领（有效期满或信息变更）"},
    "department": "杭州市公安局西湖区分局",
    "applicant_masked": "周*",
    "submitted_on": "2026-11-02",
    "accepted_on": "2026-11-02",
    "promised_date": "2026-11-20",
    "completed_on": "2026-11-17",
    "steps": [{"name": "申请", "done_on": "2026-11-02", "note": None}],
    "missing_materials": [],
    "pickup": {
        "office_id": "hz-xihu-service-center",
        "office_name": "杭州市西湖区政务服务中心",
        "address": "杭州市西湖区示例路 1 号（示例地址）",
        "hours": "周一至周五 9:00-17:00",
        "window": None,
        "phone": None,
        "available_from": "2026-11-18",
        "collect_by": None,
    },
    "delivery": None,
    "rejection_reason": None,
}


@dataclass
class Reply:
    """What the faulty server does for one request."""

    status: int = 200
    body: bytes = json.dumps(VALID_CASE).encode()
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before sending anything
    trickle: float = 0.0  # seconds between body bytes
    drop: bool = False  # close the connection without answering


class FaultyServer:
    """A tiny http.server on loopback that follows a script of replies; the last reply repeats."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._script: list[Reply] = [Reply()]
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="faulty-server",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, repeating the last one."""
        with self._lock:
            self._script = list(replies)
            self.requests.clear()

    def _next(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append((path, headers))
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                reply = server._next(self.path, dict(self.headers.items()))
                if reply.delay and server.stopping.wait(reply.delay):
                    return
                if reply.drop:
                    self.close_connection = True
                    return
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if not reply.trickle:
                        self.wfile.write(reply.body)
                        return
                    for index in range(len(reply.body)):
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                        if server.stopping.wait(reply.trickle):
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


@pytest.fixture
def faulty() -> Iterator[FaultyServer]:
    server = FaultyServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def reply() -> type[Reply]:
    """The ``Reply`` class, to script the faulty server: ``faulty.script(reply(status=503), reply())``."""
    return Reply


@pytest.fixture
def valid_case() -> dict:
    """A case object that satisfies the contract (copied, so tests may change it)."""
    return json.loads(json.dumps(VALID_CASE))


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that refuses connections: bound (so no one else takes it) but not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def blackhole_url() -> Iterator[str]:
    """A loopback port whose accept queue is full, so new connections hang until the connect timeout."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    for filler in fillers:
        filler.close()
    listener.close()


def fast_config(url: str, **overrides: object) -> CaseApiConfig:
    """Short timeouts so the fault tests stay fast; the slow-server test uses the real defaults."""
    values: dict[str, object] = {
        "base_url": url,
        "token": TOKEN,
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "deadline": 1.5,
        "retries": 2,
        "backoff": 0.02,
        "breaker_threshold": 3,
        "breaker_cooldown": 0.5,
    }
    values.update(overrides)
    return CaseApiConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_config():
    """``make_config(url, **overrides)`` builds a client configuration for the fault tests."""
    return fast_config


@pytest.fixture(scope="session")
def case_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The reference server: generous request limit, 5 failed verifications lock a requester out of a case."""
    env = {"BACKEND_RATE_LIMIT": "10000", "BACKEND_VERIFY_FAILURE_LIMIT": "5"}
    with running_server(tmp_path_factory.mktemp("cases-backend"), token=TOKEN, env=env) as server:
        yield server


@pytest.fixture(scope="session")
def limited_case_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The reference server allowing 2 requests per end user (or client) per minute."""
    env = {"BACKEND_RATE_LIMIT": "2", "BACKEND_RATE_WINDOW": "60"}
    with running_server(tmp_path_factory.mktemp("cases-limited"), token=TOKEN, env=env) as server:
        yield server
