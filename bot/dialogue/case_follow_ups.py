"""Follow-ups on the case whose status was just shown: when it will be done, what if it is late, where to collect
it, where the post is, why it was turned down. Answered from what the lookup said, kept as `CaseShown` in a slot
for the next few messages, not from a new lookup (which would ask for the number and the phone tail again).

What is kept is what the answer already said: the status, the affair's name, the promised date, where to collect
and by when, the carrier and the stated reason. Never the case number, the applicant or the tracking number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass

from bot.cases.models import Case, CaseStatus
from bot.dialogue.cases import pickup_place

# how many of the person's messages after the result (a rating tapped, then a question) may still ask about it
FOLLOW_UP_MESSAGES = 3
WHERE_TO_COLLECT = re.compile(r"(?:去|在|到)?哪(?:里|儿)?(?:拿|领|取)|怎么(?:拿|领|取)|带(?:什么|啥)去(?:拿|领|取)|"
                              r"代领|代拿|代取|(?:帮|替)我?(?:拿|领|取)")
POSTED_WHERE = re.compile(r"快递|物流|寄到哪|寄出|单号|运单|到哪了")
LATE = re.compile(r"超时|超期|逾期|过期|过了期限|过了承诺|拖了|怎么还没|还没办好|还没好")
WHEN = re.compile(r"什么时候|啥时候|啥辰光|几时|多久|多长时间|几天|办好|好了没|好没好|自动")
WHY_TURNED_DOWN = re.compile(r"为什么|为啥|原因|理由|怎么回事")
MISSING = re.compile(r"缺(?:啥|什么|哪些|哪几样|的)|(?:补|交)(?:啥|什么|哪些|哪几样)|还差(?:啥|什么|哪些)?|要补的?")
WHAT_NOW = re.compile(r"(?:那|我)?(?:现在|接下来)?(?:该|要|得)?怎么办|怎么弄|下一步")


@dataclass(frozen=True)
class CaseShown:
    """What a lookup told of a case, for the follow-ups right after it."""

    status: str
    affair: str
    promised: str | None = None  # ISO date
    office: str | None = None  # where to collect, with its address, window and hours
    collect_by: str | None = None  # ISO date
    carrier: str | None = None
    reason: str | None = None  # why it was turned down, as the department wrote it
    message: int = 0  # the person's message count when it was shown
    missing: tuple[str, ...] = ()  # the materials still to hand in (需补正), with their notes

    @classmethod
    def of(cls, case: Case, message: int) -> CaseShown:
        """What the lookup of `case` showed, at the person's `message`-th message."""
        pickup, delivery = case.pickup, case.delivery
        office = None if pickup is None else pickup_place(pickup.office_name, pickup.address, pickup.window,
                                                           pickup.hours)
        return cls(case.status.value, case.affair.name, _iso(case.promised_date), office,
                   _iso(pickup.collect_by) if pickup else None, delivery.carrier if delivery else None,
                   (case.rejection_reason or "").strip().rstrip("。.")[:200] or None, message,
                   tuple(m.name + (f"（{m.note}）" if m.note else "") for m in case.missing_materials))

    def as_slot(self) -> str:
        """The slot's value."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_slot(cls, value: object) -> CaseShown | None:
        """The slot's value read back; None for none, or for anything malformed."""
        if not isinstance(value, str) or not value:
            return None
        try:
            fields = json.loads(value)
            return cls(**{**fields, "missing": tuple(fields.get("missing") or ())})
        except (ValueError, TypeError, AttributeError):
            return None

    def later(self, message: int) -> CaseShown:
        """The same, as told again at the person's `message`-th message (a follow-up keeps it current)."""
        return CaseShown(**{**asdict(self), "message": message})


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def answer(shown: CaseShown | None, text: str, message: int, today: dt.date, hotline: str) -> str | None:
    """The answer to a follow-up on the case just shown, or None when the message asks nothing of it (or came
    too long after it)."""
    if shown is None or message - shown.message > FOLLOW_UP_MESSAGES:
        return None
    status = CaseStatus(shown.status) if shown.status in CaseStatus._value2member_map_ else None
    if status is None:
        return None
    if status == CaseStatus.REJECTED and (WHY_TURNED_DOWN.search(text) or WHAT_NOW.search(text)):
        return _turned_down(shown, hotline)
    if MISSING.search(text):
        return _missing(shown, status)
    if WHERE_TO_COLLECT.search(text):
        return _where_to_collect(shown, status, text, today, hotline)
    if POSTED_WHERE.search(text):
        return _where_posted(shown, status, today, hotline)
    if LATE.search(text) or WHEN.search(text):
        return _when(shown, status, today, hotline)
    return None


def _when(shown: CaseShown, status: CaseStatus, today: dt.date, hotline: str) -> str:
    """When the case will be done, or what it is waiting for."""
    if status in (CaseStatus.ACCEPTED, CaseStatus.REVIEWING):
        if shown.promised is None:
            return f"按刚才查到的，“{shown.affair}”还在审查，办好后会短信通知您。等得太久的，可以拨打 {hotline} 询问。"
        text = f"按刚才查到的，“{shown.affair}”承诺 {_date(shown.promised)} 前办结，办好后会短信通知您。"
        if dt.date.fromisoformat(shown.promised) < today:
            text += (f"承诺的日期已经过了，可以拨打 {hotline}，或联系受理窗口询问办理情况；"
                     "也可以在“浙里办”APP 的“我的办件”里查看。")
        return text
    if status == CaseStatus.NEEDS_CORRECTION:
        return "要先把刚才列出的材料补上，补正后部门接着审查，办好后会短信通知您。"
    if status == CaseStatus.READY_FOR_PICKUP:
        return "已经办好了，可以去领取：" + _office(shown, today, hotline)
    if status == CaseStatus.POSTED:
        return _where_posted(shown, status, today, hotline)
    if status == CaseStatus.COMPLETED:
        return "已经办结了，无需再跑。如需纸质结果，请留意短信通知或在“浙里办”查看。"
    return _turned_down(shown, hotline)


def _missing(shown: CaseShown, status: CaseStatus) -> str:
    """The materials still to hand in, as the lookup listed them; or that none are asked for."""
    if status == CaseStatus.NEEDS_CORRECTION and shown.missing:
        return ("还要补的材料：\n" + "\n".join(f"· {name}" for name in shown.missing) +
                "\n补正后部门接着审查，办好后会短信通知您。")
    if status == CaseStatus.NEEDS_CORRECTION:
        return "要补的材料写在刚才的查询结果里；补正后部门接着审查，办好后会短信通知您。"
    return f"按刚才查到的，“{shown.affair}”现在不缺材料，不用补交。"


def _where_to_collect(shown: CaseShown, status: CaseStatus, text: str, today: dt.date, hotline: str) -> str:
    """Where and how to collect the result, when it is to be collected."""
    if status == CaseStatus.READY_FOR_PICKUP:
        someone_else = ("能不能由别人代领、代领要带什么，以领取窗口的要求为准，去之前可以拨打 "
                        f"{hotline} 确认。") if re.search(r"代|帮|替|让|叫", text) else ""
        return "领取地点：" + _office(shown, today, hotline) + someone_else
    if status == CaseStatus.POSTED:
        return "结果已经寄出了，不用去领。" + _where_posted(shown, status, today, hotline)
    if status == CaseStatus.COMPLETED:
        return "已经办结了，无需再跑。如需纸质结果，请留意短信通知或在“浙里办”查看。"
    if status == CaseStatus.REJECTED:
        return _turned_down(shown, hotline)
    return "还没办好。办好后会短信通知您领取的方式和地点。"


def _where_posted(shown: CaseShown, status: CaseStatus, today: dt.date, hotline: str) -> str:
    """Where the post is, or that nothing was posted."""
    if status == CaseStatus.POSTED:
        carrier = shown.carrier or "快递"
        return f"结果已经通过{carrier}寄出，运单号在刚才的查询结果里，可以在快递官网或小程序查询物流。"
    if status == CaseStatus.READY_FOR_PICKUP:
        return "这件没有邮寄，要到窗口领取：" + _office(shown, today, hotline)
    return "还没有寄出。办好后会短信通知您。"


def _office(shown: CaseShown, today: dt.date, hotline: str) -> str:
    """Where to collect, and by when."""
    where = shown.office or f"请按短信通知的地点领取，或拨打 {hotline} 询问"
    if shown.collect_by is None:
        return where + "。领取时请带上本人身份证和受理回执。"
    by = _date(shown.collect_by)
    if dt.date.fromisoformat(shown.collect_by) < today:
        return where + f"。领取期限 {by} 已过，去之前请先拨打 {hotline} 确认还能否领取。"
    return where + f"。请在 {by} 前领取，带上本人身份证和受理回执。"


def _turned_down(shown: CaseShown, hotline: str) -> str:
    """Why the case was turned down, and what to do next."""
    reason = f"不予受理的原因：{shown.reason}。" if shown.reason else "不予受理的原因写在办件结果里。"
    return (reason + "按原因改办其他事项的，可以直接告诉我要办的事，我把材料和地点告诉您；"
            f"有疑问可以拨打 {hotline} 咨询。")
