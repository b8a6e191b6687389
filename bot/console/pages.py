"""The staff pages on the console service itself (same origin as its API): the 12345 agents' console, the
maintainers' page, the scripts and styles they use from web/, and the chart library from node_modules.

Only the files named here are served (no directory is exposed); HTML pages carry the same Content-Security-Policy
as the citizens' pages on the edge and may not be framed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.config import PROJECT_ROOT
from bot.edge.static import CONTENT_TYPES, PAGE_POLICY

STAFF_FILES = ("staff.js", "console.html", "console.js", "console.css", "maintain.html", "maintain.js",
               "maintain.css", "chat.css", "guide.js", "guide.css")
VENDOR_FILES = {"chart.umd.min.js": Path("chart.js") / "dist" / "chart.umd.min.js"}
POLICY = PAGE_POLICY.format(ancestors="'none'")


def _file_handler(path: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A GET handler for one known file; 404 when it is missing on disk (e.g. node_modules not installed)."""
    async def serve(request: web.Request) -> web.StreamResponse:
        if not path.is_file():
            raise web.HTTPNotFound()
        headers = {"Content-Type": CONTENT_TYPES[path.suffix], "Cache-Control": "no-cache"}
        if path.suffix == ".html":
            headers["Content-Security-Policy"] = POLICY
        return web.FileResponse(path, headers=headers)

    return serve


async def _home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/console.html")


def add_page_routes(app: web.Application, web_dir: Path | None = None, modules_dir: Path | None = None) -> None:
    """GET / (to the console), the staff pages and their assets, and /vendor/chart.umd.min.js."""
    web_dir = web_dir or PROJECT_ROOT / "web"
    modules_dir = modules_dir or PROJECT_ROOT / "node_modules"
    app.router.add_get("/", _home)
    for name in STAFF_FILES:
        app.router.add_get("/" + name, _file_handler(web_dir / name))
    for name, relative in VENDOR_FILES.items():
        app.router.add_get("/vendor/" + name, _file_handler(modules_dir / relative))
