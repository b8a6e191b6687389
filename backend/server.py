"""Running the reference server: prepare the database, listen, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import sys

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from backend.app import create_app
from backend.config import BackendConfig
from backend.db import create_schema, make_engine
from backend.repository import CaseRepository
from backend.seed import seed

log = logging.getLogger("backend")
READY_PREFIX = "backend listening on "


def configure_logging(level: str) -> None:
    """Log to standard error; standard output only carries the 'listening on' line."""
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )


def serve(config: BackendConfig, *, seed_samples: bool = True) -> int:
    """Serve until interrupted; returns the process exit code."""
    if config.token == "dev-token" and not _is_loopback(config.host):
        log.warning("serving on %s with the default token 'dev-token': set CASE_API_TOKEN", config.host)
    engine = make_engine(config.database_url)
    try:
        create_schema(engine)
        if seed_samples:
            report = seed(engine)
            log.info("sample cases: %d inserted, %d already present", report.inserted, report.existing)
    except SQLAlchemyError as exc:
        log.error("cannot prepare the database (%s); is BACKEND_DATABASE_URL right?", type(exc).__name__)
        engine.dispose()
        return 1
    try:
        asyncio.run(_run(config, CaseRepository(engine)))
    finally:
        engine.dispose()
    return 0


async def _run(config: BackendConfig, repository: CaseRepository) -> None:
    runner = web.AppRunner(create_app(config, repository), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port, shutdown_timeout=1.0)
        await site.start()
        host, port = runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"{READY_PREFIX}http://{shown}:{port}", flush=True)
        log.info("listening on http://%s:%d", shown, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
