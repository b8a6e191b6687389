"""bot.dialogue.cases: reading case numbers and factors, lockout, and the answer for every lookup result."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from unit_helpers import HOTLINE

from bot.cases import (
    Affair,
    BadCaseNumber,
    Case,
    CaseStatus,
    Found,
    MissingMaterial,
    NotFoundOrMismatch,
    PhoneLast4,
    Pickup,
    PostDelivery,
    QueryCode,
    RateLimited,
    Step,
    Unavailable,
    UnavailableReason,
)
from bot.dialogue import cases as C

NUMBER = "ZJ2026330106000101"


def _unused():
    """A catalog source for answers that need no office: calling it fails the test."""
    raise AssertionError("the catalog was loaded for an answer that needs no office")


def _case(status: CaseStatus, **changes) -> Case:
    case = Case(
        case_number=NUMBER,
        status=status,
        status_label=status.label,
        affair=Affair(id="id-card-renew", name="居民身份证换领（有效期满或信息变更）"),
        department="杭州市公安局西湖区分局",
        applicant_masked="周*",
        submitted_on=dt.date(2026, 11, 2),
        accepted_on=dt.date(2026, 11, 2),
        promised_date=dt.date(2026, 11, 20),
        completed_on=None,
        steps=(Step("申请", dt.date(2026, 11, 2)), Step("受理", dt.date(2026, 11, 3), note="材料齐全")),
        missing_materials=(MissingMaterial("居民身份证相片", note="相片背景须为白色"), MissingMaterial("居民户口簿")),
        pickup=Pickup(office_name="杭州市西湖区政务服务中心", address="杭州市西湖区文三路1号",
                      hours="工作日 9:00-17:00",
                      office_id="hz-xihu-service-center", window="3号窗口", phone="0571-00000000",
                      available_from=dt.date(2026, 11, 17), collect_by=dt.date(2026, 12, 17)),
        delivery=PostDelivery(carrier="EMS", tracking_number="1234567890123", posted_on=dt.date(2026, 11, 18)),
        rejection_reason="申请人不符合换领条件",
    )
    return replace(case, **changes)


@pytest.mark.parametrize("text", [NUMBER, "zj2026 3301 0600 0101", "ＺＪ２０２６３３０１０６０００１０１",
                                  f"我的受理编号是{NUMBER}，帮我查一下", "编号：zj2026330106000101"])
def test_read_case_number(text):
    assert C.read_case_number(text) == NUMBER


@pytest.mark.parametrize("text", ["ZJ123", "我想查进度", "ZJ2026440106000101", f"{NUMBER}9"])
def test_read_case_number_rejects(text):
    assert C.read_case_number(text) is None


@pytest.mark.parametrize("text, factor", [
    ("1234", PhoneLast4("1234")),
    ("尾号5678", PhoneLast4("5678")),
    ("手机后四位是 0571", PhoneLast4("0571")),
    ("查询码 K7M3Q9TX", QueryCode("K7M3Q9TX")),
    ("k7m3q9tx", QueryCode("K7M3Q9TX")),
    ("１２３４", PhoneLast4("1234")),
])
def test_read_factor(text, factor):
    assert C.read_factor(text) == factor


@pytest.mark.parametrize("text", ["13812345678", "123", "查询码 K7M3Q9T0", "不知道"])
def test_read_factor_rejects(text):
    assert C.read_factor(text) is None


def test_locked():
    assert C.locked(locked_until=1000.0, now=999.0)
    assert not C.locked(locked_until=1000.0, now=1000.0)
    assert not C.locked(locked_until=0.0, now=5.0)
    assert "约 15 分钟后可再试" in C.locked_text(900.0, 0.0, HOTLINE)
    assert "约 1 分钟后可再试" in C.locked_text(10.0, 0.0, HOTLINE)
    assert "暂停查询这个受理编号" in C.locked_text(900.0, 0.0, HOTLINE)
    every = C.locked_text(3600.0, 0.0, HOTLINE, every_case=True)
    assert "验证失败次数太多，暂停查询办件，约 60 分钟后可再试" in every and HOTLINE in every


BEFORE_DUE, DUE, AFTER_DUE = dt.date(2026, 11, 10), dt.date(2026, 11, 20), dt.date(2026, 11, 21)


def test_result_found_accepted_and_reviewing():
    for status in (CaseStatus.ACCEPTED, CaseStatus.REVIEWING):
        for today in (BEFORE_DUE, DUE):
            text = C.result_text(Found(_case(status)), _unused, 3, HOTLINE, today=today)
            lines = text.splitlines()
            assert lines[0] == f"您的办件“居民身份证换领（有效期满或信息变更）”（{NUMBER}）当前状态：{status.label}。"
            assert lines[1] == "已完成：2026年11月2日 申请；2026年11月3日 受理"
            assert lines[2] == "下一步：部门正在审查，承诺 2026年11月20日 前办结，办好后会短信通知您。"
            assert len(lines) == 3


def test_a_promised_date_that_has_passed_is_said_to_have_passed():
    text = C.result_text(Found(_case(CaseStatus.REVIEWING)), _unused, 3, HOTLINE, today=AFTER_DUE)
    assert text.splitlines()[2:] == ["下一步：部门正在审查，承诺 2026年11月20日 前办结，办好后会短信通知您。",
                                     f"承诺的办结日期已经过了。您可以拨打 {HOTLINE}，或联系受理窗口询问办理情况。"]


def test_result_needs_correction_names_missing_materials_and_the_hall(catalog):
    text = C.result_text(Found(_case(CaseStatus.NEEDS_CORRECTION)), lambda: catalog, 3, HOTLINE)
    assert "当前状态：需补正。" in text
    assert "· 居民身份证相片（相片背景须为白色）\n· 居民户口簿\n" in text
    assert text.endswith("补正材料可通过“浙里办”在线上传，或带到 杭州市西湖区政务服务中心。"
                         f"出发前可拨打 {HOTLINE} 确认窗口和时间。")


def test_result_needs_correction_loads_the_catalog_once(catalog):
    calls = []

    def source():
        calls.append(1)
        return catalog

    C.result_text(Found(_case(CaseStatus.NEEDS_CORRECTION)), source, 3, HOTLINE)
    assert calls == [1]


def test_result_needs_correction_without_catalog():
    text = C.result_text(Found(_case(CaseStatus.NEEDS_CORRECTION)), lambda: None, 3, HOTLINE)
    assert text.endswith(f"或带到原受理窗口；如需确认地点，请拨打 {HOTLINE}。")


def test_result_ready_for_pickup():
    text = C.result_text(Found(_case(CaseStatus.READY_FOR_PICKUP)), _unused, 3, HOTLINE, today=AFTER_DUE)
    assert text.splitlines()[-1] == ("已办好，请在 2026年12月17日 前领取：杭州市西湖区政务服务中心"
                                     "（杭州市西湖区文三路1号）3号窗口，"
                                     "办公时间 工作日 9:00-17:00。领取时请带上本人身份证和受理回执。")


def test_a_collection_deadline_that_has_passed_says_to_call_first():
    text = C.result_text(Found(_case(CaseStatus.READY_FOR_PICKUP)), _unused, 3, HOTLINE,
                         today=dt.date(2026, 12, 18))
    assert text.splitlines()[-1].startswith(f"已办好，领取期限 2026年12月17日 已过，去之前请先拨打 {HOTLINE} "
                                            "确认还能否领取：杭州市西湖区政务服务中心")


def test_today_is_the_province_calendar_day():
    assert C.province_today() == dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def test_result_posted_completed_rejected():
    posted = C.result_text(Found(_case(CaseStatus.POSTED)), _unused, 3, HOTLINE)
    assert posted.splitlines()[-1] == "结果已通过EMS寄出，运单号 1234567890123，可在快递官网或小程序查询物流。"
    completed = C.result_text(Found(_case(CaseStatus.COMPLETED)), _unused, 3, HOTLINE)
    assert "当前状态：已办结。" in completed and "已经办结，无需再跑" in completed
    rejected = C.result_text(Found(_case(CaseStatus.REJECTED)), _unused, 3, HOTLINE)
    assert rejected.splitlines()[-1] == f"不予受理的原因：申请人不符合换领条件。如有疑问，可拨打 {HOTLINE} 咨询。"
    ended = C.result_text(Found(_case(CaseStatus.REJECTED, rejection_reason="无需许可）。")), _unused, 3, HOTLINE)
    assert ended.splitlines()[-1] == f"不予受理的原因：无需许可）。如有疑问，可拨打 {HOTLINE} 咨询。"  # one 。
    no_reason = C.result_text(Found(_case(CaseStatus.REJECTED, rejection_reason=None)), _unused, 3, HOTLINE)
    assert "不予受理的原因：请查看短信或受理回执说明" in no_reason


def test_result_other_types():
    # one answer for an unknown number and a wrong factor: the system does not say which
    assert C.result_text(NotFoundOrMismatch(NUMBER), _unused, 2, HOTLINE) == (
        "没有查到相符的办件：受理编号或验证信息有误。请核对受理回执，重新发送手机号后四位或查询码（还可以尝试 2 次）；"
        "如果编号写错了，直接发送正确的编号。刚提交的申请可能稍后才能查到。")
    locked = C.result_text(NotFoundOrMismatch(NUMBER), _unused, 0, HOTLINE)
    assert locked.startswith("为保护您的信息，验证连续失败 3 次后") and "约 15 分钟后" in locked
    assert C.result_text(RateLimited(30), _unused, 3, HOTLINE) == "查询太频繁了，请30 秒后再试。"
    assert C.result_text(RateLimited(None), _unused, 3, HOTLINE) == "查询太频繁了，请稍后再试。"
    assert C.result_text(BadCaseNumber("ZJ1"), _unused, 3, HOTLINE) == C.bad_number_text()
    assert "ZJ2026330106000101" in C.bad_number_text()


def test_a_message_followed_by_the_form_s_question_does_not_ask_it_too():
    """In the chat the form asks for the number or the factor right after a mistake: the message before says only
    what was wrong (and how many tries are left); elsewhere (the hotline console) it also says what to send."""
    mismatch = C.result_text(NotFoundOrMismatch(NUMBER), _unused, 2, HOTLINE, asked_next=True)
    assert mismatch == ("没有查到相符的办件：受理编号或验证信息有误。请核对受理回执（还可以尝试 2 次）；"
                        "如果编号写错了，直接发送正确的编号。刚提交的申请可能稍后才能查到。")
    assert "ZJ2026330106000101" not in C.bad_number_text(asked_next=True)
    assert "格式不对" in C.bad_number_text(asked_next=True)
    assert "请发送" not in C.bad_factor_text(asked_next=True) and "请发送" in C.bad_factor_text()
    for reason in UnavailableReason:
        text = C.result_text(Unavailable(reason), _unused, 3, HOTLINE)
        assert text.startswith("办件查询系统现在有点忙") and HOTLINE in text
        assert reason.value not in text


@pytest.mark.parametrize("reply, cannot", [("我忘了编号", True), ("回执找不到了", True), ("手机号早就换了", True),
                                           ("不记得了", True), ("ZJ2026330106000101", False), ("2481", False),
                                           ("12345", False), ("受理号没有 zj2026-3301-0600-0101", False)])
def test_a_reply_that_says_the_number_or_factor_is_not_to_hand_is_told_apart(reply, cannot):
    assert C.cannot_give(reply) is cannot


def test_a_person_without_the_number_or_factor_is_told_where_to_find_it():
    where, instead = C.where_to_find_the_number_text(HOTLINE), C.other_ways_to_verify_text(HOTLINE)
    assert "我的办件" in where and HOTLINE in where
    assert "查询码" in instead and HOTLINE in instead


# follow-ups on the case just shown (bot.dialogue.case_follow_ups)

TODAY = dt.date(2026, 11, 25)


def _shown(status: CaseStatus, **changes):
    from bot.dialogue.case_follow_ups import CaseShown

    return CaseShown.of(_case(status, **changes), message=4)


def _follow_up(shown, text: str, message: int = 5) -> str | None:
    from bot.dialogue.case_follow_ups import answer

    return answer(shown, text, message, TODAY, HOTLINE)


def test_what_is_kept_of_a_case_shown_is_what_its_answer_said_and_no_more():
    from bot.dialogue.case_follow_ups import CaseShown

    shown = _shown(CaseStatus.READY_FOR_PICKUP)
    slot = shown.as_slot()
    assert CaseShown.from_slot(slot) == shown
    for secret in (NUMBER, "周*", "1234567890123", "0571-00000000"):
        assert secret not in slot
    assert CaseShown.from_slot("{not json") is None and CaseShown.from_slot(None) is None


def test_when_it_will_be_done_is_the_promised_date_and_past_it_what_to_do():
    reviewing = _shown(CaseStatus.REVIEWING)
    late = _follow_up(reviewing, "什么时候能办好")
    assert "承诺 2026年11月20日 前办结" in late and "承诺的日期已经过了" in late and HOTLINE in late
    early = _follow_up(_shown(CaseStatus.REVIEWING, promised_date=dt.date(2026, 12, 20)), "超时了怎么办")
    assert "2026年12月20日" in early and "已经过了" not in early


def test_where_to_collect_is_the_office_shown_or_that_it_is_not_ready():
    ready = _follow_up(_shown(CaseStatus.READY_FOR_PICKUP), "能让我女儿去帮我拿吗")
    assert ready.startswith("领取地点：杭州市西湖区政务服务中心（杭州市西湖区文三路1号）3号窗口")
    assert "2026年12月17日 前领取" in ready and "代领" in ready
    assert _follow_up(_shown(CaseStatus.REVIEWING), "办好了去哪领") == "还没办好。办好后会短信通知您领取的方式和地点。"
    posted = _follow_up(_shown(CaseStatus.POSTED), "快递到哪了")
    assert "EMS" in posted and "1234567890123" not in posted


def test_why_it_was_turned_down_is_the_reason_shown():
    turned_down = _shown(CaseStatus.REJECTED)
    for text in ("为什么被驳回", "那我该怎么办"):
        assert _follow_up(turned_down, text).startswith("不予受理的原因：申请人不符合换领条件。")


def test_only_the_messages_right_after_the_result_and_about_it_are_taken():
    shown = _shown(CaseStatus.REVIEWING)
    assert _follow_up(shown, "什么时候能办好", message=4 + 3) is not None
    assert _follow_up(shown, "什么时候能办好", message=4 + 4) is None  # long after
    assert _follow_up(shown, "好的谢谢") is None
    assert _follow_up(None, "什么时候能办好") is None


def test_what_is_still_missing_is_the_list_shown():
    """还缺啥材料, right after a result that listed them, had been told 不在我能办理的范围内."""
    from bot.dialogue.case_follow_ups import CaseShown

    shown = _shown(CaseStatus.NEEDS_CORRECTION)
    assert CaseShown.from_slot(shown.as_slot()) == shown
    said = _follow_up(CaseShown.from_slot(shown.as_slot()), "还缺啥材料")
    assert said.startswith("还要补的材料：\n· 居民身份证相片（相片背景须为白色）\n· 居民户口簿\n")
    assert _follow_up(_shown(CaseStatus.REVIEWING), "还要补什么吗") == \
        "按刚才查到的，“居民身份证换领（有效期满或信息变更）”现在不缺材料，不用补交。"
    old_slot = '{"status": "needs_correction", "affair": "居民身份证换领", "message": 4}'  # kept before this field
    assert _follow_up(CaseShown.from_slot(old_slot), "缺什么").startswith("要补的材料写在刚才的查询结果里")
