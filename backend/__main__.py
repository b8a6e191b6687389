"""Command line: ``python -m backend serve`` and ``python -m backend seed``."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from sqlalchemy.exc import SQLAlchemyError

from backend.config import BackendConfig
from backend.db import make_engine
from backend.seed import seed
from backend.server import configure_logging, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(
        prog="python -m backend", description="Reference case-status API server."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the API (creates tables, seeds sample cases)")
    serve_cmd.add_argument("--host", help="address to bind (env BACKEND_HOST, default 127.0.0.1)")
    serve_cmd.add_argument(
        "--port", type=int, help="port, 0 for any free one (env BACKEND_PORT, default 8090)"
    )
    serve_cmd.add_argument("--no-seed", action="store_true", help="do not insert the sample cases")
    commands.add_parser("seed", help="create tables and insert the sample cases that are missing")
    args = parser.parse_args(argv)

    try:
        config = BackendConfig.from_env()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "host", None):
        config = dataclasses.replace(config, host=args.host)
    if getattr(args, "port", None) is not None:
        config = dataclasses.replace(config, port=args.port)
    configure_logging(config.log_level)

    if args.command == "serve":
        return serve(config, seed_samples=not args.no_seed)
    engine = make_engine(config.database_url)
    try:
        report = seed(engine)
    except SQLAlchemyError as exc:
        print(f"cannot seed the database: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"sample cases: {report.inserted} inserted, {report.existing} already present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
