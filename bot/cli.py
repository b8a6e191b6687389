"""Command line: `python -m bot resolve ...` and `python -m bot knowledge validate|build|load`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import settings


def _snapshot(use_files: bool):
    """The catalog from the database when it is loaded, else straight from the knowledge files."""
    from bot.catalog.db import engine_for
    from bot.catalog.provider import CatalogProvider, snapshot_from_knowledge
    from bot.catalog.store import catalog_version

    config = settings()
    if not use_files:
        engine = engine_for(config.database_url)
        if catalog_version(engine) is not None:
            return CatalogProvider(engine, interval=3600).current()
    return snapshot_from_knowledge(config.knowledge_dir)


def cmd_resolve(args: argparse.Namespace) -> int:
    """Resolve TEXT, or one question a line from standard input."""
    resolver = _snapshot(args.files).resolver
    texts = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        result = resolver.resolve(text)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        else:
            chosen = result.affair or ("请选择：" + "、".join(result.clarify) if result.clarify else "（不是政务事项）")
            print(f"{text}\t{chosen}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m bot`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="OneVisit 命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    resolve = sub.add_parser("resolve", help="判断一句话说的是哪个事项")
    resolve.add_argument("text", nargs="?", help="问题；省略时从标准输入逐行读取")
    resolve.add_argument("--json", action="store_true", help="输出 JSON")
    resolve.add_argument("--files", action="store_true", help="直接读取 knowledge/ 文件而不是数据库")
    resolve.set_defaults(func=cmd_resolve)
    knowledge = sub.add_parser("knowledge", help="知识库维护：validate / build / load")
    knowledge.add_argument("action", choices=["validate", "build", "load"])
    knowledge.add_argument("--dir", type=Path, default=None, help="知识库目录（默认 knowledge/ 或 KNOWLEDGE_DIR）")
    knowledge.add_argument("--check", action="store_true", help="build：只检查生成文件是否过期")
    knowledge.add_argument("--required", type=Path, default=None,
                           help="validate：必须包含的事项清单（如 ../shared/affairs.yml）")
    knowledge.add_argument("--database-url", default=None, help="load：数据库 URL（默认 DATABASE_URL）")
    knowledge.set_defaults(func=lambda a: __import__("bot.knowledge.commands", fromlist=["run"]).run(a))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
