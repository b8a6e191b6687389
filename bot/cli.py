"""Command line: `python -m bot resolve ...` and `python -m bot knowledge validate|build|load|import`."""

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


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the resolver on labelled TSV files or folders of them; one row per file and per folder."""
    from bot.evaluation import interval_note, miss_lines, pooled, read_labelled, score, table, tsv_files

    resolver = _snapshot(args.files).resolver
    tallies, folders = [], []
    for target in args.paths:
        files = tsv_files(target)
        rows = [row for f in files for row in read_labelled(f)]
        if target.is_dir() and len(files) > 1:
            tallies += [score(read_labelled(f), resolver.resolve, f"{target.name}/{f.stem}", resolver.learned_from)
                        for f in files]
        tallies.append(score(rows, resolver.resolve, f"**{target.name}**" if target.is_dir() else target.name,
                             resolver.learned_from))
        if target.is_dir():
            folders.append(tallies[-1])
    together = []
    if len(folders) > 1:
        total = pooled(folders, f"**the {len(folders)} sets together**")
        total.name += f" ({interval_note(total)})"
        together.append(total)
    print(table(tallies + together))
    if args.misses:
        for tally in tallies:
            if not tally.name.startswith("**") and len(args.paths) > 1 and "/" not in tally.name:
                continue
            for line in miss_lines(tally):
                print(line)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Recommend resolver thresholds from a calibration set, or else from out-of-fold scores of the
    knowledge's own questions."""
    from bot.evaluation import read_labelled, tsv_files
    from bot.resolver.calibrate import GRID, calibrate, changed, recommended, worth_changing

    resolver = _snapshot(args.files).resolver
    labelled = None
    if args.on:
        files = [f for p in args.on for f in tsv_files(p)]
        labelled = [row for f in files for row in read_labelled(f)]
        print(f"校准集：{'、'.join(map(str, args.on))}，{len(labelled)} 个问题")
    else:
        print("未给校准集：用训练问法的交叉验证结果（偏乐观）")
    outcomes = calibrate(resolver, args.max_wrong, args.min_abstained, labelled, progress=True)
    print("| " + " | ".join(GRID) + " | right | asked | wrong | out-of-scope abstained |")
    print("|" + "---:|" * (len(GRID) + 4))
    pick = recommended(outcomes, resolver.settings, args.max_wrong, args.min_abstained)
    for o in [*outcomes[:args.top], pick]:
        values = " | ".join(str(getattr(o.settings, name)) for name in GRID)
        print(f"| {values} | {o.right:.1%} | {o.asked:.1%} | {o.wrong:.1%} | {o.outside_abstained:.1%} |")
    print("（最后一行：达标且与最好的一行相差不到一个标准误的设置中，改动当前设置最少的一个）"
          if pick.meets(args.max_wrong, args.min_abstained)
          else "（最后一行：没有设置达标，取综合得分最高的一个，仅供参考）")
    current = next((o for o in outcomes if o.settings == resolver.settings), None)
    if current is not None:
        print(f"current: right {current.right:.1%}, wrong {current.wrong:.1%}, "
              f"out-of-scope abstained {current.outside_abstained:.1%}")
        if worth_changing(pick, current, args.max_wrong, args.min_abstained):
            print("建议：采用最后一行的设置（改动：" + "、".join(changed(pick.settings, resolver.settings)) + "）")
        elif not pick.meets(args.max_wrong, args.min_abstained):
            print("建议：保留当前设置（没有设置达标；不达标的设置之间的取舍在新问题上靠不住）")
        else:
            print("建议：保留当前设置（最后一行好得不多，在误差以内）")
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
    evaluate = sub.add_parser("eval", help="在标注好的问题集上给事项识别打分")
    evaluate.add_argument("paths", nargs="+", type=Path, help="TSV 文件或目录（格式同 ../shared/eval/dev.tsv）")
    evaluate.add_argument("--misses", action="store_true", help="列出没答对的问题")
    evaluate.add_argument("--files", action="store_true", help="直接读取 knowledge/ 文件而不是数据库")
    evaluate.set_defaults(func=cmd_eval)
    calibrate = sub.add_parser("calibrate", help="用知识库自身的问法（交叉验证）推荐解析器阈值")
    calibrate.add_argument("--on", type=Path, nargs="*", default=None,
                           help="校准集（如 eval/calibration ../shared/eval/dev.tsv）；不给时用训练问法的交叉验证结果")
    calibrate.add_argument("--max-wrong", type=float, default=0.02, help="允许的错答比例上限")
    calibrate.add_argument("--min-abstained", type=float, default=0.95, help="范围外问题的最低拒答比例")
    calibrate.add_argument("--top", type=int, default=10, help="列出前几种设置")
    calibrate.add_argument("--files", action="store_true", help="直接读取 knowledge/ 文件而不是数据库")
    calibrate.set_defaults(func=cmd_calibrate)
    entities = sub.add_parser("entities", help="实体识别：在标注集上报告各类实体的准确率和召回率")
    entities.add_argument("action", choices=["report"])
    entities.add_argument("file", type=Path, help="标注集 TSV（文本<TAB>类别=值;类别=值，见 bot/entities/report.py）")
    entities.add_argument("--misses", action="store_true", help="列出识别有误的句子")
    entities.set_defaults(func=lambda a: __import__("bot.entities.report", fromlist=["run"]).run(a))
    knowledge = sub.add_parser("knowledge", help="知识库维护：validate / build / load / import")
    knowledge.add_argument("action", choices=["validate", "build", "load", "import"])
    knowledge.add_argument("file", nargs="?", type=Path, default=None,
                           help="import：政务服务事项实施清单导出文件（.json、.csv 或其文件夹、.zip、.xlsx）")
    knowledge.add_argument("--dir", type=Path, default=None, help="知识库目录（默认 knowledge/ 或 KNOWLEDGE_DIR）")
    knowledge.add_argument("--check", action="store_true", help="build：只检查生成文件是否过期")
    knowledge.add_argument("--required", type=Path, default=None,
                           help="validate：必须包含的事项清单（如 ../shared/affairs.yml）")
    knowledge.add_argument("--database-url", default=None, help="load：数据库 URL（默认 DATABASE_URL）")
    knowledge.add_argument("--dry-run", action="store_true", help="import：只显示将要发生的变化，不写入文件")
    knowledge.set_defaults(func=lambda a: __import__(
        "bot.knowledge.importing.command" if a.action == "import" else "bot.knowledge.commands",
        fromlist=["run"]).run(a))
    privacy = sub.add_parser("privacy", help="个人信息保护：purge 按保存期限删除旧对话")
    privacy.add_argument("action", choices=["purge"])
    privacy.add_argument("--days", type=float, default=None,
                         help="删除多少天以前的对话事件（默认 CONVERSATION_RETENTION_DAYS，未设置时 30）")
    privacy.add_argument("--url", default=None, help="对话存储的 SQLAlchemy URL（默认 TRACKER_STORE_URL）")
    privacy.set_defaults(func=lambda a: __import__("bot.privacy.commands", fromlist=["run"]).run(a))
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
