"""Pure parts of bot.cases: number formats, masking, verification factors, config, breaker, parsing."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.cases import (
    CASE_NUMBER_RE,
    BreakerState,
    Case,
    CaseApiConfig,
    CaseStatus,
    CircuitBreaker,
    PhoneLast4,
    QueryCode,
    find_case_number,
    is_valid_case_number,
    mask_case_number,
    normalize_case_number,
    parse_verification,
)


@pytest.mark.parametrize("number", ["ZJ2026330106000101", "ZJ2000330000000000", "ZJ2099339999999999"])
def test_valid_case_numbers(number: str) -> None:
    assert is_valid_case_number(number)
    assert CASE_NUMBER_RE.fullmatch(number)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "zj2026330106000101",
        "ZJ202633010600010",
        "ZJ20263301060001011",
        "ZJ2026110106000101",  # not a Zhejiang division code
        "ZJ1999330106000101",
        "SH2026330106000101",
        "ZJ2026330106000101\n",
        "ZJ２０26330106000101",
    ],
)
def test_invalid_case_numbers(number: str) -> None:
    assert not is_valid_case_number(number)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ZJ2026330106000101", "ZJ2026330106000101"),
        ("zj2026330106000101", "ZJ2026330106000101"),
        ("ＺＪ２０２６３３０１０６０００１０１", "ZJ2026330106000101"),
        (" ZJ 2026-330106-000101 ", "ZJ2026330106000101"),
        ("ZJ2026330106", None),
        ("我要查进度", None),
    ],
)
def test_normalize_case_number(typed: str, canonical: str | None) -> None:
    assert normalize_case_number(typed) == canonical


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("我的办件编号是ZJ2026330106000101，帮我查一下", "ZJ2026330106000101"),
        ("编号 zj2026330106000101", "ZJ2026330106000101"),
        ("编号：ＺＪ２０２６３３０１０６０００１０１", "ZJ2026330106000101"),
        ("ZJ 2026 3301 0600 0101 手机尾号 2481", "ZJ2026330106000101"),
        ("我的件办好了吗", None),
        ("ZJ20263301060001019", None),
    ],
)
def test_find_case_number(text: str, found: str | None) -> None:
    assert find_case_number(text) == found


@pytest.mark.parametrize(
    ("value", "masked"),
    [("ZJ2026330106000101", "ZJ20************01"), ("ABCDEFG", "ABCD*FG"), ("123456", "******"), ("", "")],
)
def test_mask_case_number(value: str, masked: str) -> None:
    assert mask_case_number(value) == masked


def test_parse_verification() -> None:
    assert parse_verification("2481") == PhoneLast4("2481")
    assert parse_verification("２４８１") == PhoneLast4("2481")
    assert parse_verification(" k7m3-q9tx ") == QueryCode("K7M3Q9TX")
    for text in ("248", "24810", "K7M3Q9T0", "K7M3Q9TI", "", "手机尾号"):
        assert parse_verification(text) is None
    with pytest.raises(ValueError):
        PhoneLast4("12a4")
    with pytest.raises(ValueError):
        QueryCode("OOOOOOOO")
    assert "2481" not in repr(PhoneLast4("2481")) and "K7M3" not in repr(QueryCode("K7M3Q9TX"))


def test_status_labels() -> None:
    assert [s.label for s in CaseStatus] == [
        "已受理",
        "审查中",
        "需补正",
        "已办结",
        "待领取",
        "已寄出",
        "不予受理",
    ]


def test_config_from_env() -> None:
    config = CaseApiConfig.from_env(
        {
            "CASE_API_URL": "https://cases.example.gov.cn/api/",
            "CASE_API_TOKEN": "s3cret",
            "CASE_API_CONNECT_TIMEOUT": "0.5",
            "CASE_API_READ_TIMEOUT": "1.5",
            "CASE_API_BREAKER_THRESHOLD": "5",
        }
    )
    assert config.base_url == "https://cases.example.gov.cn/api"
    assert (config.connect_timeout, config.read_timeout, config.breaker_threshold) == (0.5, 1.5, 5)
    assert "s3cret" not in repr(config)
    defaults = CaseApiConfig.from_env({})
    assert (defaults.base_url, defaults.token) == ("http://127.0.0.1:8090", "dev-token")
    assert (defaults.connect_timeout, defaults.read_timeout, defaults.deadline) == (1.0, 2.0, 3.0)
    assert (defaults.breaker_threshold, defaults.breaker_cooldown) == (3, 30.0)
    with pytest.raises(ValueError, match="CASE_API_READ_TIMEOUT"):
        CaseApiConfig.from_env({"CASE_API_READ_TIMEOUT": "two"})
    with pytest.raises(ValueError):
        CaseApiConfig.from_env({"CASE_API_URL": "ftp://x"})
    with pytest.raises(ValueError):
        CaseApiConfig(connect_timeout=0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_cycle() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=30, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_success()  # resets the count of consecutive failures
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the one trial
    assert not breaker.allow()  # everyone else waits for it
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_breaker_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker(cooldown=0)


def test_timeouts_fit_in_the_remaining_time() -> None:
    from bot.cases.client import CaseClient

    client = CaseClient(CaseApiConfig())
    assert client._timeouts(3.0) == (1.0, 2.0)
    connect, read = client._timeouts(0.6)
    assert connect + read == pytest.approx(0.6) and connect == pytest.approx(0.2)
    client.close()


def test_case_from_json_rejects_breaches(valid_case: dict) -> None:
    VALID_CASE = valid_case
    case = Case.from_json(VALID_CASE)
    assert case.status is CaseStatus.READY_FOR_PICKUP and case.submitted_on == dt.date(2026, 11, 2)
    for broken in (
        {**VALID_CASE, "affair": "id-card-renew"},
        {**VALID_CASE, "steps": [{"name": "申请"}]},
        {**VALID_CASE, "missing_materials": None},
        {**VALID_CASE, "department": ""},
        {**VALID_CASE, "pickup": {"office_name": "x"}},
        {**VALID_CASE, "case_number": "ZJ2026"},
    ):
        with pytest.raises(ValueError):
            Case.from_json(broken)


def test_default_client_is_lazy_and_replaceable(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cases import CaseClient, get_client, set_client

    monkeypatch.setenv("CASE_API_URL", "http://127.0.0.1:9")
    set_client(None)
    first = get_client()
    assert first is get_client() and first.config.base_url == "http://127.0.0.1:9"
    mine = CaseClient(CaseApiConfig(base_url="http://127.0.0.1:10"))
    set_client(mine)
    assert get_client() is mine
    set_client(None)
    first.close()
    mine.close()
