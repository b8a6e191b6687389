"""The servers around the pages in the browser tests: the real edge on a free port, and a site owner's page on
another origin that embeds the widget."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.stack import Service, base_env, edge_server, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOST_PAGE = Path(__file__).with_name("widget_host.html")
GENEROUS = {"EDGE_RATE_PER_CLIENT": "100000/minute", "EDGE_RATE_PER_SENDER": "1000/minute"}


def start_edge(workdir: Path, upstream: str, name: str, **settings: str) -> Service:
    """The real edge (`python -m bot.edge`) on a free port, forwarding to `upstream`."""
    workdir.mkdir(parents=True, exist_ok=True)
    edge = edge_server(workdir, {**base_env(workdir), **settings}, upstream, name=name)
    edge.start(timeout=60)
    return edge


class HostSite:
    """A site owner's page on its own origin, embedding the widget from `server` (the edge)."""

    def __init__(self, server: str):
        self.server = server.rstrip("/")
        self.port = free_port()
        template = HOST_PAGE.read_text(encoding="utf-8")
        pages = {"/": template.replace("{{SERVER}}", self.server).encode(),
                 # without data-server: the widget's server is where its script came from
                 "/default.html": template.replace(' data-server="{{SERVER}}"', "").replace(
                     "{{SERVER}}", self.server).encode()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                page = pages.get(urlsplit(self.path).path)
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        # "localhost", not 127.0.0.1: a different site from the edge's, as a real embedding is.
        return f"http://localhost:{self.port}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
