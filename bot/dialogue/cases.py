"""Case-status dialogue without Rasa: reading numbers and factors, lockout, and plain-Chinese answers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.cases import (
    BadCaseNumber,
    Case,
    CaseStatus,
    Found,
    LookupResult,
    NotFoundOrMismatch,
    PhoneLast4,
    QueryCode,
    RateLimited,
    Unavailable,
    Verification,
    find_case_number,
    normalize_case_number,
    parse_verification,
)
from bot.catalog.catalog import Catalog
from bot.entities import PHONE_LAST4, QUERY_CODE, extract
from bot.privacy.placeholders import find_placeholders

CatalogSource = Callable[[], Catalog | None]
# Words with which a person asks how far an application has got, or names it: a case-status request says
# one of them (or gives a case number, phone tail or query code). Read in characters and, for typed pinyin,
# in syllables (jindu).
CASE_STATUS_CUES = ("进度", "到哪", "哪一步", "环节", "状态", "结果", "办结", "好了", "好没", "办下来", "办出来",
                    "批下来", "批了", "通过", "审核", "审批到", "审批完", "到账", "到帐", "打过来", "寄出", "消息",
                    "还没", "退回", "我的件", "办件", "我办的", "受理", "编号", "回执", "查询码", "尾号", "后四位",
                    "怎么样了", "能领", "可以领", "去拿", "提交的", "交上去")
# 我之前交的居住证申请办好了没, 上周提交的材料批下来没有: an application said to be handed in already, and a
# question of how far it has got; such a message asks about a case even when it names an affair
HANDED_IN = re.compile(r"(?:之前|以前|前几天|前段时间|前阵子|上周|上个?星期|上礼拜|上个?月|上次|已经|早就|昨天|前天)"
                       r"[^，。,.!?？！]{0,8}?(?:交|提交|递交|申请|报|办)(?:的|了|过)")
PROGRESS_ASKED = re.compile(r"(?:好|完|下来|出来|通过|批了|到账|到帐|发了|寄了)了?(?:没|吗|么|未)|"
                            r"到哪一?步|进度|怎么样了")
# 忘了, 回执找不到, 手机号换了: a reply that says the person cannot give the number or factor asked for
CANNOT_GIVE = re.compile(r"忘|不记得|记不得|记不清|想不起|找不到|没找到|找不着|不知道|不清楚|丢了|弄丢|搞丢|没有|没带|"
                         r"不在身边|换号|换了|停机|停用")
# the province's calendar: a promised date has passed when it is over there, wherever the server runs
PROVINCE_ZONE = ZoneInfo("Asia/Shanghai")


def province_today() -> date:
    """Today's date in Zhejiang."""
    return datetime.now(PROVINCE_ZONE).date()

_log = logging.getLogger(__name__)

MAX_VERIFICATION_FAILURES = 3  # per end user and case number within LOCK_SECONDS (bot.cases.attempts)
LOCK_SECONDS = 15 * 60


@lru_cache(maxsize=1)
def _cue_syllables() -> tuple[str, ...]:
    """CASE_STATUS_CUES typed in toneless pinyin without spaces (jindu, banjian)."""
    from pypinyin import lazy_pinyin  # only when a message has latin letters

    return tuple("".join(lazy_pinyin(cue)) for cue in CASE_STATUS_CUES)


def asks_about_a_case(text: str) -> bool:
    """Whether a message asks about an application's progress in words (我的护照办好了没, 查一下进度,
    wo yao cha banjian jindu), as opposed to asking how to do something (公积金咋拿出来)."""
    if any(cue in text for cue in CASE_STATUS_CUES):
        return True
    letters = re.sub(r"[^a-z]", "", text.lower())
    return bool(letters) and any(cue in letters for cue in _cue_syllables())


def asks_after_a_handed_in_application(text: str) -> bool:
    """Whether a message asks how far an application already handed in has got (我之前交的居住证申请办好了没), which
    is a case lookup even when the intent classifier reads the affair it names."""
    return bool(HANDED_IN.search(text) and PROGRESS_ASKED.search(text))


# 为什么被驳回, 驳回的原因是什么, 为什么没通过: why an application was turned down or sent back
TURNED_DOWN_ASKED = re.compile(r"(?:为什么|为啥|咋|怎么|什么原因|啥原因|原因).{0,6}(?:驳回|不予受理|不受理|没通过|"
                               r"不通过|没批|不批|被拒|拒绝|退回|退件)|"
                               r"(?:驳回|不予受理|不受理|没通过|被拒|退回)的?(?:原因|理由)")


def asks_why_turned_down(text: str) -> bool:
    """Whether a message asks why an application was turned down or sent back (为什么被驳回)."""
    return bool(TURNED_DOWN_ASKED.search(text))


def turned_down_text(hotline: str) -> str:
    """What a person who asks why an application was turned down hears: where the reason is, and what to do."""
    return ("不予受理或退回的原因，部门会写在办件结果里：查进度时“不予受理的原因”一行就是，也会短信告知。"
            "按原因改正或补齐后，可以重新提交申请；原因里说应当办理其他事项的（比如改为备案），告诉我那件事，"
            f"我告诉您怎么办。对结果有疑问，可以拨打 {hotline}，或联系受理部门咨询。")


def set_aside_text(number_kept: bool) -> str:
    """What a person hears when an affair question stops the case lookup: it waits, and how to take it up again."""
    kept = "，刚才的受理编号我还记着" if number_kept else ""
    return f"好的，办件查询先放一放。要接着查的时候说“查进度”就行{kept}。"


def read_case_number(text: str) -> str | None:
    """The case number in a message (typed alone or inside a sentence)."""
    return normalize_case_number(text) or find_case_number(text)


def read_factor(text: str, sender: str | None = None, *, consume: bool = True) -> Verification | None:
    """Phone digits or a query code in a message (尾号1234, 查询码 K7M3Q9TX), the answer to asking for one.

    A message that went through `bot.privacy.protect` holds the factor sealed in the vault, as a
    placeholder (〔已加密的查询码#…〕). It is read back only for the ``sender`` who sent it (the tracker's
    sender id): used up by the reading (the lookup), or left in the vault with ``consume=False`` (the
    form's validation). Without a sender, or once expired or used, a placeholder reads as no factor.
    """
    sealed = find_placeholders(text)
    if sealed:
        return _unsealed_factor(sealed[0].token, sender, consume) if sender is not None else None
    direct = parse_verification(text)
    if direct is not None:
        return direct
    factors = (PHONE_LAST4, QUERY_CODE)
    found = next((e for e in extract(text, expect=factors) if e.kind in factors), None)
    if found is None:
        return None
    return PhoneLast4(str(found.value)) if found.kind == PHONE_LAST4 else QueryCode(str(found.value))


def _unsealed_factor(token: str, sender: str, consume: bool) -> Verification | None:
    """The factor sealed under ``token`` for ``sender`` (see `bot.privacy.vault`); None when it cannot be had."""
    from bot.privacy.vault import default_vault

    try:
        sealed = default_vault().open(token, sender, consume=consume)
    except SQLAlchemyError as exc:
        _log.error("the vault of sealed verification factors is unavailable: %s", type(exc).__name__)
        return None
    if sealed is None:
        return None
    return PhoneLast4(sealed.value) if sealed.kind == PHONE_LAST4 else QueryCode(sealed.value)


def locked(locked_until: float, now: float) -> bool:
    """Whether a lock that ends at ``locked_until`` still holds at ``now``."""
    return now < locked_until


def locked_text(locked_until: float, now: float, hotline: str, *, every_case: bool = False) -> str:
    """Why no lookup is possible now: this case number is locked for this person, or (``every_case``,
    after too many failures over several numbers) every lookup is."""
    minutes = max(1, round((locked_until - now) / 60))
    what = (f"为保护您的信息，验证失败次数太多，暂停查询办件，约 {minutes} 分钟后可再试。" if every_case else
            f"为保护您的信息，验证连续失败 3 次后，暂停查询这个受理编号，约 {minutes} 分钟后可再试。")
    return what + f"您也可以在“浙里办”APP 的“我的办件”中查看，或拨打 {hotline} 咨询。"


def tail_paused_text(paused_until: float, now: float, hotline: str) -> str:
    """Why a phone tail is not checked now: too many failed guesses on this case number, by anyone; the
    receipt's query code still works. The chat's form asks for it next."""
    minutes = max(1, round((paused_until - now) / 60))
    return ("这个受理编号最近验证失败的次数较多，为防止他人猜测，暂时不能用手机号后四位查询"
            f"（约 {minutes} 分钟后恢复）。请改发受理回执上的 8 位查询码；"
            f"也可以在“浙里办”APP 的“我的办件”中查看，或拨打 {hotline} 咨询。")


def still_locked_text(locked_until: float, now: float, hotline: str) -> str:
    """A phone tail or query code sent while lookups are paused (after the lock was told): still paused."""
    minutes = max(1, round((locked_until - now) / 60))
    return (f"查询还在暂停中，约 {minutes} 分钟后可再试。您也可以在“浙里办”APP 的“我的办件”中查看，"
            f"或拨打 {hotline} 咨询。")


def bad_number_text(asked_next: bool = False) -> str:
    """A clear message for a malformed case number. With `asked_next`, the question for the number follows it
    (the chat's form asks again, saying what a number looks like), so the message only says what was wrong."""
    if asked_next:
        return "这个编号格式不对，没能认出受理编号。"
    return ("这个编号格式不对。受理编号是“ZJ”加 16 位数字，共 18 位，例如 ZJ2026330106000101，"
            "印在受理回执上。请再发一次，或说“取消”退出查询。")


def cannot_give(text: str) -> bool:
    """Whether a reply to the question for a case number or factor says the person does not have it to hand
    (忘了编号, 回执找不到了, 手机号换了) rather than giving one."""
    return read_case_number(text) is None and bool(CANNOT_GIVE.search(text))


def where_to_find_the_number_text(hotline: str) -> str:
    """Where a person who cannot give the case number finds it; the chat's form asks for it next."""
    return ("没关系。受理编号印在受理回执上，也可以在“浙里办”APP 的“我的办件”里找到，那里也能看到办理进度。"
            f"实在找不到，可以拨打 {hotline} 咨询。")


def other_ways_to_verify_text(hotline: str) -> str:
    """What a person who cannot give the phone's last four digits can give instead; the form asks next."""
    return ("没关系。也可以发受理回执上的 8 位查询码来验证。手机号换了、回执也找不到的话，"
            f"可以在“浙里办”APP 的“我的办件”里查看，或拨打 {hotline} 咨询。")


def bad_factor_text(asked_next: bool = False) -> str:
    """A clear message for a malformed verification factor; with `asked_next` as for `bad_number_text`."""
    if asked_next:
        return "没能认出手机号后四位或查询码：手机号后四位是 4 位数字，查询码是回执上的 8 位字母和数字。"
    return "请发送申请时登记的手机号后 4 位数字，或回执上的 8 位查询码（字母和数字）。说“取消”可退出查询。"


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def describe_case(case: Case, catalog: CatalogSource, hotline: str, today: date | None = None) -> str:
    """Where the case is, what happens next, what to bring, and when and where to collect; a promised date
    or a collection deadline that has passed (`today`, by default Zhejiang's) is said to have passed."""
    today = today or province_today()
    lines = [f"您的办件“{case.affair.name}”（{case.case_number}）当前状态：{case.status.label}。"]
    if case.steps:
        lines.append("已完成：" + "；".join(f"{_date(s.done_on)} {s.name}" for s in case.steps))
    status = case.status
    if status in (CaseStatus.ACCEPTED, CaseStatus.REVIEWING):
        due = f"，承诺 {_date(case.promised_date)} 前办结" if case.promised_date else ""
        lines.append(f"下一步：部门正在审查{due}，办好后会短信通知您。")
        if case.promised_date and case.promised_date < today:
            lines.append(f"承诺的办结日期已经过了。您可以拨打 {hotline}，或联系受理窗口询问办理情况。")
    elif status == CaseStatus.NEEDS_CORRECTION:
        lines.append("还需要补充以下材料：")
        lines += [f"· {m.name}" + (f"（{m.note}）" if m.note else "") for m in case.missing_materials]
        lines.append(_where_to_correct(case, catalog, hotline))
    elif status == CaseStatus.READY_FOR_PICKUP and case.pickup:
        p = case.pickup
        when = f"，请在 {_date(p.collect_by)} 前领取" if p.collect_by else ""
        if p.collect_by and p.collect_by < today:
            when = f"，领取期限 {_date(p.collect_by)} 已过，去之前请先拨打 {hotline} 确认还能否领取"
        lines.append(f"已办好{when}：{pickup_place(p.office_name, p.address, p.window, p.hours)}。"
                     "领取时请带上本人身份证和受理回执。")
    elif status == CaseStatus.POSTED and case.delivery:
        d = case.delivery
        lines.append(f"结果已通过{d.carrier}寄出，运单号 {d.tracking_number}，可在快递官网或小程序查询物流。")
    elif status == CaseStatus.COMPLETED:
        lines.append("已经办结，无需再跑。如需纸质结果，请留意短信通知或在“浙里办”查看。")
    elif status == CaseStatus.REJECTED:
        reason = (case.rejection_reason or "").strip().rstrip("。.") or "请查看短信或受理回执说明"
        lines.append(f"不予受理的原因：{reason}。如有疑问，可拨打 {hotline} 咨询。")
    return "\n".join(lines)


def pickup_place(office_name: str, address: str, window: str | None, hours: str) -> str:
    """Where a result is collected: the office, its address and window, and its hours."""
    return f"{office_name}（{address}）" + (f"{window}，" if window else "，") + f"办公时间 {hours}"


def _where_to_correct(case: Case, source: CatalogSource, hotline: str) -> str:
    """Where to hand in the missing materials: the affair's hall for the case's district, from the knowledge."""
    catalog = source()
    if catalog is not None:
        affair = catalog.affair(case.affair.id)
        place = catalog.places.get(case.case_number[6:12])
        match = catalog.office_for(affair, place) if affair and place else None
        if match is not None:
            office = match.office
            address = f"（{office.address}）" if office.address else ""
            return (f"补正材料可通过“浙里办”在线上传，或带到 {office.name}{address}。"
                    f"出发前可拨打 {hotline} 确认窗口和时间。")
    return f"补正材料可通过“浙里办”在线上传，或带到原受理窗口；如需确认地点，请拨打 {hotline}。"


def result_text(result: LookupResult, catalog: CatalogSource, failures_left: int, hotline: str,
                today: date | None = None, asked_next: bool = False) -> str:
    """The answer for any lookup result; `catalog` is called only when the answer needs an office. With
    `asked_next`, the question for the verification factor follows a mismatch, so the answer does not ask for it."""
    if isinstance(result, Found):
        return describe_case(result.case, catalog, hotline, today)
    if isinstance(result, NotFoundOrMismatch):  # the system does not say which of the two is wrong
        if failures_left <= 0:
            return locked_text(LOCK_SECONDS, 0, hotline)
        resend = "" if asked_next else "，重新发送手机号后四位或查询码"
        return (f"没有查到相符的办件：受理编号或验证信息有误。请核对受理回执{resend}"
                f"（还可以尝试 {failures_left} 次）；如果编号写错了，直接发送正确的编号。"
                "刚提交的申请可能稍后才能查到。")
    if isinstance(result, RateLimited):
        wait = f"{result.retry_after} 秒后" if result.retry_after else "稍后"
        return f"查询太频繁了，请{wait}再试。"
    if isinstance(result, BadCaseNumber):
        return bad_number_text()
    if isinstance(result, Unavailable):
        return (f"办件查询系统现在有点忙，暂时查不到进度。您可以稍后再问我，或在“浙里办”APP 的“我的办件”中查看，"
                f"也可以拨打 {hotline} 咨询。其他问题可以继续问我。")
    return f"暂时查不到进度，请稍后再试或拨打 {hotline}。"
