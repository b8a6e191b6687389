"""The static pages in web/: GET only, known file types only, no directory listing, no way out of the folder."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
INDEX = "index.html"
STAFF_ONLY = frozenset({"staff.js", "console.html", "console.js", "console.css", "maintain.html", "maintain.js",
                        "maintain.css"})
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors {ancestors}")


def frame_ancestors(origins: str) -> str:
    """CSP frame-ancestors for the chat page, which web/widget.js shows in an iframe on other sites:
    'none' when WIDGET_ORIGINS is empty, any site for "*", else 'self' and the listed origins."""
    entries = origins.replace(",", " ").split()
    if not entries:
        return "'none'"
    return "*" if "*" in entries else " ".join(["'self'", *entries])


def resolve(root: Path, relative: str) -> Path | None:
    """The file under `root` that `relative` names, or None when it names nothing servable.

    Refused: empty, `.` or `..` segments, hidden names, backslashes and NUL, unknown file types, and anything
    that resolves (through symbolic links too) outside `root`. A directory is served only as its index.html.
    """
    if any(char in relative for char in ("\\", "\x00")):
        return None
    parts = relative.split("/") if relative else []
    if parts and parts[-1] == "":
        parts[-1] = INDEX
    if not parts:
        parts = [INDEX]
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    root = root.resolve()
    candidate = root.joinpath(*parts)
    if candidate.is_dir():
        candidate = candidate / INDEX
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file() or resolved.suffix not in CONTENT_TYPES:
        return None
    return resolved


def static_handler(root: Path, widget_origins: str = "") -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler for GET /{path} serving files from `root`; only the chat page may be framed (by widget_origins)."""
    chat_page = root.resolve() / INDEX
    embeddable = frame_ancestors(widget_origins)

    async def serve(request: web.Request) -> web.StreamResponse:
        path = resolve(root, request.match_info.get("path", ""))
        if path is None or path.name in STAFF_ONLY:  # staff pages live on the console service only
            raise web.HTTPNotFound()
        headers = {"Content-Type": CONTENT_TYPES[path.suffix], "Cache-Control": "no-cache"}
        if path.suffix == ".html":
            ancestors = embeddable if path == chat_page else "'none'"
            headers["Content-Security-Policy"] = PAGE_POLICY.format(ancestors=ancestors)
        return web.FileResponse(path, headers=headers)

    return serve
