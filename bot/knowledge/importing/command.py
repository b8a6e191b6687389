"""`python -m bot knowledge import FILE [--dir DIR] [--dry-run]`: read, merge, show the diff, write, validate."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.config import settings
from bot.knowledge.importing.diff import ACTIONS, ADDED, REMOVED, show
from bot.knowledge.importing.merge import plan_import
from bot.knowledge.importing.official import ExportError
from bot.knowledge.importing.plan import NEW, UNCHANGED, UPDATED, Outcome, Plan, apply, place_codes
from bot.knowledge.importing.readers import read_export
from bot.knowledge.importing.records import map_export
from bot.knowledge.source import Problem

MATCHED = {"实施编码": "按实施编码匹配", "基本编码": "按基本编码匹配", "事项名称": "按事项名称匹配",
           "大厅名称": "按大厅名称匹配", "新建": "新建"}


def run(args: argparse.Namespace) -> int:
    """Import args.file into args.dir (default the project's knowledge); exit status 0 on success."""
    console = Console(highlight=False)
    root = Path(args.dir or settings().knowledge_dir)
    if args.file is None:
        console.print("[red]✗[/red] 请给出导出文件，例如：python -m bot knowledge import 导出.xlsx")
        return 2
    try:
        with console.status(f"正在读取 {args.file} ..."):
            export = read_export(Path(args.file))
            mapped = map_export(export, place_codes(root))
            plan = plan_import(mapped, root)
    except ExportError as error:
        for problem in error.problems:
            console.print(f"[red]✗[/red] {escape(str(problem))}", soft_wrap=True)
        console.print(f"\n共发现 {len(error.problems)} 个问题，没有写入任何文件。请修改导出文件后重新导入。")
        return 1
    report(console, plan)
    if args.dry_run:
        console.print("\n试运行（--dry-run）：以上是将要发生的变化，没有写入任何文件。")
        return 0
    if not plan.writes:
        console.print("\n知识库已与导出文件一致，没有文件需要改写。")
        return 0
    try:
        written = apply(plan)
    except OSError as error:
        console.print(f"[red]✗[/red] 写入文件失败（{error.__class__.__name__}）：请检查 {root} 是否可写")
        return 1
    console.print(f"\n[green]✓[/green] 已写入 {len(written)} 个文件。")
    return _validate(console, root)


def report(console: Console, plan: Plan) -> None:
    """The diff per affair and hall, what was kept, the remarks, and a summary table."""
    for what in ("事项", "大厅"):
        outcomes = plan.of(what)
        added = [o for o in outcomes if o.status == NEW]
        if added:
            console.print(_added_table(what, added))
        for outcome in outcomes:
            if outcome.status == UPDATED:
                console.print(_changes_table(outcome))
            if outcome.status == UPDATED and outcome.kept:
                console.print(f"  保留 {outcome.id} 的手工内容：{escape('、'.join(outcome.kept))}", soft_wrap=True)
    remarks = [*plan.warnings, *(f"{o.id}（{o.name}）：{w}" for o in plan.outcomes for w in o.warnings)]
    for remark in remarks:
        console.print(f"[yellow]⚠[/yellow] {escape(remark)}", soft_wrap=True)
    console.print(summary_table(plan))


def _added_table(what: str, outcomes: list[Outcome]) -> Table:
    table = Table(title=f"新增{what}（{len(outcomes)} 个）")
    for column in ("id", "名称", "文件", "内容"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        new = {c.path: c.new for c in o.changes}
        if what == "事项":
            content = f"材料 {len(new.get('materials') or [])} 项，常见问题 {len(new.get('faq') or [])} 条"
        else:
            content = "、".join(str(new[k]) for k in ("kind", "place") if k in new)
        table.add_row(o.id, o.name, o.file, content)
    return table


def _changes_table(outcome: Outcome) -> Table:
    table = Table(title=f"{outcome.what}【{outcome.name}】{outcome.file}（{MATCHED.get(outcome.matched_by, '')}）")
    for column in ("字段", "含义", "变化", "原来", "现在"):
        table.add_column(column, overflow="fold")
    for change in outcome.changes:
        old = "—" if change.action == ADDED else show(change.old)
        now = "—" if change.action == REMOVED else show(change.new)
        table.add_row(escape(change.path), change.label, ACTIONS[change.action], escape(old), escape(now))
    return table


def summary_table(plan: Plan) -> Table:
    """Added / updated / unchanged counts for affairs and halls."""
    table = Table(title="导入汇总")
    for column in ("类别", "新增", "更新", "未变", "字段变化"):
        table.add_column(column, justify="left" if column == "类别" else "right")
    for what in ("事项", "大厅"):
        outcomes = plan.of(what)
        count = {s: sum(1 for o in outcomes if o.status == s) for s in (NEW, UPDATED, UNCHANGED)}
        fields = sum(len(o.changes) for o in outcomes if o.status == UPDATED)
        table.add_row(what, str(count[NEW]), str(count[UPDATED]), str(count[UNCHANGED]), str(fields))
    return table


def _validate(console: Console, root: Path) -> int:
    """Run the validator on the result and print errors (red) and consistency warnings (yellow)."""
    from bot.knowledge.consistency import check
    from bot.knowledge.validate import validate

    with console.status(f"正在检查 {root} ..."):
        files, problems = validate(root)
        warnings = check(files)
    console.print("\n导入后的检查结果：")
    print_problems(console, problems, warnings)
    if problems:
        console.print(f"共发现 {len(problems)} 个问题：文件已写入，请按提示补齐后运行 "
                      f"python -m bot knowledge validate --dir {root}")
        return 1
    console.print("[green]✓ 知识库检查通过[/green]")
    return 0


def print_problems(console: Console, problems: list[Problem], warnings: list[Problem]) -> None:
    """Errors in red and consistency warnings in yellow, each as file:line: message."""
    for problem in problems:
        console.print(f"[red]✗[/red] {escape(str(problem))}", soft_wrap=True)
    for warning in warnings:
        console.print(f"[yellow]⚠ {escape(str(warning))}[/yellow]", soft_wrap=True)
    if warnings:
        console.print(f"[yellow]{len(warnings)} 条一致性提醒（不影响检查结果，请核对后修改）[/yellow]")
