"""`python -m bot knowledge validate|build|load`, with progress and summary tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from ruamel.yaml import YAML

from bot.config import PROJECT_ROOT, settings


def _required_ids(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [item["id"] for item in YAML(typ="safe").load(path.read_text(encoding="utf-8")) or []]


def run(args: argparse.Namespace) -> int:
    """Dispatch one knowledge command; exit status 0 on success."""
    from bot.knowledge.validate import validate

    console = Console(stderr=False, highlight=False)
    root = args.dir or settings().knowledge_dir
    with console.status(f"正在检查 {root} ..."):
        files, problems = validate(root, _required_ids(args.required))
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/red] {escape(str(problem))}", soft_wrap=True)
        console.print(f"\n共发现 {len(problems)} 个问题，请按提示修改后重新运行。")
        return 1
    if args.action == "validate":
        from bot.knowledge import layout
        from bot.knowledge.consistency import check
        from bot.knowledge.importing.command import print_problems

        _summary(console, files)
        # consistency and layout warnings, yellow, exit status unchanged
        print_problems(console, [], check(files) + layout.check(files))
        console.print("[green]✓ 知识库检查通过[/green]")
        return 0
    if args.action == "build":
        return _build(console, files, args.check)
    return _load(console, root, args.database_url or settings().database_url)


def _summary(console: Console, files) -> None:
    table = Table(title="知识库概况")
    for column in ("类别", "文件", "条目"):
        table.add_column(column)
    offices = sum(len(f.data.get("offices") or []) for f in files.offices)
    cities = files.places.data.get("cities") or [] if files.places else []
    counties = sum(len(c.get("counties") or []) for c in cities)
    situational = sum(1 for f in files.affairs if len(f.data.get("situations") or []) >= 1)
    table.add_row("事项", str(len(files.affairs)), f"{len(files.affairs)}（{situational} 个分情形）")
    table.add_row("办事大厅", str(len(files.offices)), str(offices))
    table.add_row("行政区划", "1" if files.places else "0", f"{len(cities)} 个设区市，{counties} 个区县")
    umbrellas = files.umbrellas.data.get("umbrellas") or [] if files.umbrellas else []
    questions = sum(len(u.get("questions") or []) for u in umbrellas)
    table.add_row("笼统说法", "1" if files.umbrellas else "0", f"{len(umbrellas)} 个话题，{questions} 条问法")
    replies = sum(len(r or []) for f in files.answers for options in (f.data.get("answers") or {}).values()
                  for r in (options or {}).values())
    table.add_row("情形回答", str(len(files.answers)), f"{replies} 条回答")
    console.print(table)


def _build(console: Console, files, check: bool) -> int:
    from bot.knowledge.build import stale_files, write_derived

    if check:
        stale = stale_files(files, PROJECT_ROOT)
        for rel in stale:
            console.print(f"[red]✗[/red] {rel} 已过期：请运行 python -m bot knowledge build")
        return 1 if stale else 0
    written = write_derived(files, PROJECT_ROOT)
    for rel in written:
        console.print(f"[green]✓[/green] 已生成 {rel}")
    if not written:
        console.print("生成文件都是最新的，无需改动。")
    return 0


def _few(keys: list[str], shown: int = 8) -> str:
    """The first keys, and how many there are when that is not all of them."""
    if not keys:
        return "-"
    more = f" 等 {len(keys)} 项" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def _load(console: Console, root: Path, url: str) -> int:
    from bot.catalog.db import engine_for
    from bot.knowledge.load import load_knowledge

    with console.status("正在写入数据库 ..."):
        report = load_knowledge(root, engine_for(url))
    table = Table(title="载入结果")
    for column in ("表", "新增", "更新", "删除", "未变"):
        table.add_column(column)
    for name in report.unchanged:
        table.add_row(name, *(_few(getattr(report, k)[name]) for k in ("added", "updated", "removed")),
                      str(report.unchanged[name]))
    console.print(table)
    console.print("[green]✓ 已载入[/green]" if report.changed else "数据库已是最新，没有变化。")
    return 0
