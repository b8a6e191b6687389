"""Zhejiang's consistency rules for a service guide, checked on every affair as warnings (file:line).

They catch guides that contradict themselves; none of them stops a load, since the official data itself may
be what is wrong and only the department can correct it:
- 即办 (promised 0 days) goes with 办件类型 即办件, and 即办件 with promised 0 days;
- 全程网办（Ⅳ级）means no visit to the hall (visits 0);
- no visit and no online handling leaves only the post: visits 0 needs online or post_delivery;
- a free affair (fee 0) mentions no online payment (paying a tax or an insurance premium is not a fee, so a
  clause that speaks of one is left alone);
- an option's label says what it means on its own: the guide says the person's situation back in labels (您的情况：
  …), where a bare 在 or 没有 says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.knowledge.source import Problem, SourceFile
from bot.knowledge.validate import KnowledgeFiles

ON_THE_SPOT = "即办件"
FULLY_ONLINE = "Ⅳ级"
PAY = r"(?:缴费|缴纳|支付(?!宝)|付款)"  # 支付宝 is a channel, not a payment
PAYMENT = re.compile(rf"(?:在线|网上|线上|扫码|手机|浙里办|支付宝|微信|网银)[^，。；,;]{{0,8}}?{PAY}"
                     rf"|{PAY}(?:二维码|链接|通道|页面)")
NOT_A_FEE = re.compile(r"税|保险费|保费|缴费基数|社保费|医保费|参保|申报")
CLAUSE = re.compile(r"[^，。；,;]+")
# labels that say nothing once the question is gone (您的情况：在、委托他人办理)
BARE_LABELS = frozenset({"是", "否", "不是", "有", "没有", "无", "在", "不在", "对", "不对", "要", "不要", "会",
                         "不会"})


def check(files: KnowledgeFiles) -> list[Problem]:
    """Warnings for every affair file that breaks a consistency rule, in file order."""
    warnings: list[Problem] = []
    for source in files.affairs:
        if isinstance(source.data, dict):
            warnings += check_affair(source)
    return warnings


def check_affair(source: SourceFile) -> list[Problem]:
    """Warnings for one affair file."""
    affair = source.data
    found: list[Problem] = []

    def warn(path: list[Any], message: str) -> None:
        found.append(Problem(source.display, source.line_of(path), message))

    limit = affair.get("time_limit") or {}
    promised = limit.get("promised_days")
    case_type = affair.get("case_type")
    if case_type and promised == 0 and case_type != ON_THE_SPOT:
        warn(["case_type"], f"承诺时限为 0（即办），办件类型却是“{case_type}”：即办事项的办件类型应为“即办件”，请核对")
    elif case_type == ON_THE_SPOT and isinstance(promised, int) and promised > 0:
        warn(["time_limit", "promised_days"], f"办件类型为“即办件”，承诺时限却是 {promised} 天：请核对办件类型或时限")
    online = affair.get("online") or {}
    visits = affair.get("visits")
    if online.get("depth") == FULLY_ONLINE and visits not in (0, None):
        warn(["visits"], f"网上办理深度为全程网办（Ⅳ级），跑动次数却是 {visits}：全程网办应为 0 次，请核对")
    if visits == 0 and not online.get("available") and not affair.get("post_delivery"):
        warn(["visits"], "跑动次数为 0，但既不能网上办理，也不能邮寄结果（post_delivery: false）："
                         "群众怎样拿到结果？请核对 visits、online 或 post_delivery")
    fee = affair.get("fee") or {}
    if fee.get("amount") == 0:
        for path, text in _texts(affair):
            match = _fee_payment(text)
            if match:
                warn(path, f"事项不收费（fee.amount 为 0），这里却提到在线支付（“{match}”）："
                           "请核对是否收费，或删去这句话")
    for q, question in enumerate(affair.get("situations") or []):
        for o, option in enumerate((question or {}).get("options") or [] if isinstance(question, dict) else []):
            label = option.get("label") if isinstance(option, dict) else None
            if label in BARE_LABELS:
                warn(["situations", q, "options", o, "label"],
                     f"选项文字“{label}”离开问题就看不懂（办理指南里“您的情况：…”会原样列出）：请写成完整的意思，"
                     "如“营业执照正副本都在”")
    return found


def _fee_payment(text: str) -> str | None:
    """The words that speak of paying a fee online, unless their clause is about a tax or a premium."""
    for clause in CLAUSE.findall(text):
        match = PAYMENT.search(clause)
        if match and not NOT_A_FEE.search(clause):
            return match.group(0)
    return None


def _texts(affair: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """The texts of an affair that could speak of paying: online, fee, notes and FAQ answers."""
    for key in ("online", "fee"):
        for sub, value in (affair.get(key) or {}).items():
            if isinstance(value, str):
                yield [key, sub], value
    if isinstance(affair.get("in_person"), str):
        yield ["in_person"], affair["in_person"]
    for i, note in enumerate(affair.get("notes") or []):
        yield ["notes", i], str(note)
    for i, item in enumerate(affair.get("faq") or []):
        if isinstance(item, dict):
            yield ["faq", i, "answer"], str(item.get("answer", ""))
