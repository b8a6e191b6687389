"""``python -m bot.console serve | add-user NAME --role ROLE | analytics refresh|show``."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from bot.console.settings import load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the console API until SIGINT or SIGTERM."""
    from aiohttp import web

    from bot.console.api import build_services, create_app
    from bot.privacy.logfilter import install

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install()  # personal data masked in every log record
    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    found = build_services(settings)
    if found.auth.count_users() == 0:
        logging.getLogger("bot.console").warning(
            "no console user yet: create one with python -m bot.console add-user NAME --role agent")
    if settings.rasa_hook_url and not settings.rasa_hook_token:
        logging.getLogger("bot.console").warning("CONSOLE_RASA_HOOK_URL is set without CONSOLE_RASA_HOOK_TOKEN")
    logging.getLogger("bot.console").info("console API on http://%s:%d/api/", host, port)
    web.run_app(create_app(found), host=host, port=port, access_log=None, print=None)
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    """Create a user; the password comes from CONSOLE_PASSWORD or is asked for twice."""
    from bot.console.audit import ADD_USER, Audit
    from bot.console.auth import Auth
    from bot.console.errors import ConsoleError
    from bot.console.store import engine_for

    password = os.environ.get("CONSOLE_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            print("请设置 CONSOLE_PASSWORD，或在终端里运行以输入密码。", file=sys.stderr)
            return 2
        password = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一致。", file=sys.stderr)
            return 2
    engine = engine_for(load_settings().database_url)
    try:
        user = Auth(engine).add_user(args.name, password, args.role, args.display_name, replace=args.replace)
    except ConsoleError as refused:
        print(refused.message, file=sys.stderr)
        return 2
    Audit(engine).write("cli", ADD_USER, user.name, "replaced" if args.replace else "created",
                        "roles: " + ",".join(sorted(user.roles)))
    done = "更新" if args.replace else "创建"
    print(f"已{done}用户 {user.name}（{user.display_name}），角色：{'、'.join(sorted(user.roles))}")
    return 0


def cmd_analytics(args: argparse.Namespace) -> int:
    """Refresh the analytics from the tracker store, or print the daily table."""
    from bot.console.analytics import Analytics, analytics_secret
    from bot.console.errors import ConsoleError
    from bot.console.store import engine_for

    settings = load_settings()
    analytics = Analytics(engine_for(settings.database_url), settings.tracker_store_url, analytics_secret(),
                          settings.hotline, settings.timezone)
    if args.action == "refresh":
        try:
            report = analytics.refresh()
        except ConsoleError as refused:
            print(refused.message, file=sys.stderr)
            return 1
        if not report.tracker_found:
            print("对话存储里还没有对话（TRACKER_STORE_URL 没有 events 表）。")
        print(f"读取事件 {report.events} 条（到第 {report.last_event_id} 条），新对话 {report.sessions_started} 个，"
              f"结束 {report.sessions_finished} 个，新的未解决问题 {report.unresolved} 次")
        return 0
    result = analytics.daily(args.since, args.until)
    print("日期\t事项\t对话\t识别\t追问\t拒答\t转人工\t到指南平均轮次\t评价\t满意度%")
    for row in result["rows"]:
        print("\t".join(str(row[k]) if row[k] is not None else "-" for k in (
            "day", "affair", "conversations", "resolved", "clarified", "abstained", "handed_off",
            "avg_turns_to_guide", "ratings", "satisfaction")))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description="12345 坐席台服务")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="启动坐席台接口（默认 127.0.0.1:8070）")
    serve.add_argument("--host", default=None, help="监听地址（默认 CONSOLE_HOST 或 127.0.0.1）")
    serve.add_argument("--port", type=int, default=None, help="端口（默认 CONSOLE_PORT 或 8070）")
    serve.set_defaults(func=cmd_serve)
    add = sub.add_parser("add-user", help="新建坐席台用户（密码取 CONSOLE_PASSWORD 或从终端输入）")
    add.add_argument("name", help="登录名（字母、数字、_ . -）")
    add.add_argument("--role", action="append", required=True, choices=["agent", "supervisor", "maintainer"],
                     help="角色，可重复：agent 坐席、supervisor 班长、maintainer 知识库维护")
    add.add_argument("--display-name", default=None, help="显示给群众的名称（如工号或姓氏），默认同登录名")
    add.add_argument("--replace", action="store_true", help="用户已存在时重设密码、角色和显示名")
    add.set_defaults(func=cmd_add_user)
    analytics = sub.add_parser("analytics", help="统计：refresh 从对话存储增量读取；show 打印按天的统计")
    analytics.add_argument("action", choices=["refresh", "show"])
    analytics.add_argument("--since", default=None, help="show：起始日期 YYYY-MM-DD")
    analytics.add_argument("--until", default=None, help="show：结束日期 YYYY-MM-DD")
    analytics.set_defaults(func=cmd_analytics)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
