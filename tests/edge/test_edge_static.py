"""The static pages through the real edge: served, GET only, no listing, no way out of web/."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest
import requests
from edge_helpers import EdgeFactory

ROOT = Path(__file__).resolve().parents[2]


def raw_get(url: str, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send the request line exactly as written (requests would normalise `..` away)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_pages_are_served(edge: str) -> None:
    index = requests.get(edge + "/", timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "一次办" in index.text
    assert "default-src 'self'" in index.headers["Content-Security-Policy"]
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(edge + "/index.html", timeout=10).text == index.text
    for staff_page in ("/console.html", "/maintain.html", "/staff.js"):  # staff pages live on the console's port
        assert requests.get(edge + staff_page, timeout=10).status_code == 404
    script = requests.get(edge + "/rasa-client.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(edge + "/chat.css", timeout=10).headers["Content-Type"].startswith("text/css")


TRAVERSALS = ["/../README.md", "/%2e%2e/README.md", "/..%2fREADME.md", "/%2e%2e%2fREADME.md",
              "/%2E%2E/%2E%2E/etc/passwd", "/../../../../etc/passwd", "/web/../../README.md",
              "/..%5cREADME.md", "/..\\README.md", "//etc/passwd", "/%00index.html", "/index.html%00.css",
              "/.git/config", "/./index.html/..", "/../scripts/run.sh"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_is_refused(edge: str, path: str) -> None:
    status, body = raw_get(edge, path)
    assert status in (400, 404), (path, status)
    assert b"OneVisit" not in body and b"root:" not in body and b"[core]" not in body


def test_no_directory_listing_symlinks_or_unknown_types(start_edge: EdgeFactory, tmp_path: Path) -> None:
    web_dir = tmp_path / "web"
    (web_dir / "sub").mkdir(parents=True)
    (web_dir / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    (web_dir / "sub" / "page.html").write_text("<p>子页</p>", encoding="utf-8")
    (web_dir / "notes.bak").write_text("secret", encoding="utf-8")
    (web_dir / ".env").write_text("TOKEN=secret", encoding="utf-8")
    (tmp_path / "outside.html").write_text("<p>outside</p>", encoding="utf-8")
    os.symlink(tmp_path / "outside.html", web_dir / "link.html")
    edge = start_edge(EDGE_WEB_DIR=str(web_dir))
    assert requests.get(edge + "/", timeout=10).text == "<p>首页</p>"
    assert requests.get(edge + "/sub/page.html", timeout=10).text == "<p>子页</p>"
    for path in ("/sub/", "/sub", "/notes.bak", "/.env", "/link.html"):
        response = requests.get(edge + path, timeout=10)
        assert response.status_code == 404, path
        assert "secret" not in response.text and "outside" not in response.text and "page.html" not in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_pages_are_get_only(edge: str, method: str) -> None:
    status, _ = raw_get(edge, "/index.html", method)
    assert status == 405


@pytest.mark.parametrize("origins, chat_page", [
    ("", "frame-ancestors 'none'"),
    ("*", "frame-ancestors *"),
    ("https://www.example.gov.cn, https://b.example", "frame-ancestors 'self' https://www.example.gov.cn "
                                                      "https://b.example"),
])
def test_only_the_chat_page_may_be_framed_and_only_by_the_listed_sites(origins: str, chat_page: str) -> None:
    from bot.edge.static import PAGE_POLICY, frame_ancestors

    assert PAGE_POLICY.format(ancestors=frame_ancestors(origins)).endswith(chat_page)


def test_the_chat_page_may_be_framed_for_the_widget_by_default(edge: str) -> None:
    index = requests.get(edge + "/", timeout=10)
    assert index.headers["Content-Security-Policy"].endswith("frame-ancestors *")
