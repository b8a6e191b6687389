"""The client against the real reference server (`python -m backend serve` on loopback)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from backend.seed import SAMPLE_CASES, SampleCase
from backend.testing import RunningServer
from bot.cases import (
    BadCaseNumber,
    BreakerState,
    CaseApiConfig,
    CaseClient,
    CaseStatus,
    Found,
    NotFoundOrMismatch,
    PhoneLast4,
    QueryCode,
    RateLimited,
    Unavailable,
    UnavailableReason,
)

TOKEN = "test-token"
BY_STATUS = {CaseStatus(c.status): c for c in SAMPLE_CASES}


@pytest.fixture
def client(case_server: RunningServer) -> CaseClient:
    with CaseClient(CaseApiConfig(base_url=case_server.url, token=TOKEN)) as client:
        yield client


@pytest.mark.parametrize("sample", SAMPLE_CASES, ids=lambda c: c.status)
def test_every_status_with_phone_and_with_query_code(client: CaseClient, sample: SampleCase) -> None:
    for factor in (PhoneLast4(sample.applicant_phone[-4:]), QueryCode(sample.query_code)):
        result = client.lookup(sample.case_number, factor)
        assert isinstance(result, Found), result
        case = result.case
        assert case.case_number == sample.case_number
        assert case.status is CaseStatus(sample.status)
        assert case.status_label == case.status.label
        assert case.affair.id == sample.affair_id
        assert case.submitted_on == dt.date.fromisoformat(sample.submitted_on)
        assert [s.name for s in case.steps] == [s[0] for s in sample.steps]
        assert all(isinstance(s.done_on, dt.date) for s in case.steps)


def test_status_specific_fields_are_typed(client: CaseClient) -> None:
    def case(status: CaseStatus):
        sample = BY_STATUS[status]
        result = client.lookup(sample.case_number, QueryCode(sample.query_code))
        assert isinstance(result, Found)
        return result.case

    correction = case(CaseStatus.NEEDS_CORRECTION)
    assert [m.name for m in correction.missing_materials] == [
        m[0] for m in BY_STATUS[CaseStatus.NEEDS_CORRECTION].missing
    ]
    pickup = case(CaseStatus.READY_FOR_PICKUP).pickup
    assert pickup is not None
    assert (pickup.office_id, pickup.available_from) == ("hz-xihu-service-center", dt.date(2026, 11, 18))
    delivery = case(CaseStatus.POSTED).delivery
    assert delivery is not None and (delivery.carrier, delivery.tracking_number) == (
        "中国邮政 EMS",
        "1187000000106",
    )
    rejected = case(CaseStatus.REJECTED)
    assert rejected.rejection_reason and rejected.accepted_on is None and rejected.promised_date is None
    reviewing = case(CaseStatus.REVIEWING)
    assert reviewing.promised_date == dt.date(2026, 11, 27)
    assert reviewing.pickup is None and reviewing.delivery is None and reviewing.missing_materials == ()
    assert case(CaseStatus.COMPLETED).completed_on == dt.date(2026, 11, 17)


def test_typed_input_is_normalised(client: CaseClient) -> None:
    sample = BY_STATUS[CaseStatus.ACCEPTED]
    typed = "ｚｊ" + sample.case_number[2:6] + " " + sample.case_number[6:12] + "-" + sample.case_number[12:]
    assert isinstance(client.lookup(typed, PhoneLast4(sample.applicant_phone[-4:])), Found)


def test_unknown_case_and_failed_verification_are_one_result(client: CaseClient) -> None:
    assert client.lookup("ZJ2026330106999999", PhoneLast4("1234")) == NotFoundOrMismatch("ZJ2026330106999999")
    sample = BY_STATUS[CaseStatus.COMPLETED]
    assert client.lookup(sample.case_number, QueryCode("ZZZZZZZZ")) == NotFoundOrMismatch(sample.case_number)
    assert client.breaker.state is BreakerState.CLOSED


def test_bad_case_number_sends_nothing(client: CaseClient, case_server: RunningServer) -> None:
    before = case_server.log_text().count("backend.access")
    assert client.lookup("12345", PhoneLast4("1234")) == BadCaseNumber("12345")
    assert client.lookup("ZJ2026110106000101", PhoneLast4("1234")) == BadCaseNumber("ZJ2026110106000101")
    assert case_server.log_text().count("backend.access") == before


def test_wrong_token_is_unavailable(case_server: RunningServer) -> None:
    sample = BY_STATUS[CaseStatus.ACCEPTED]
    with CaseClient(CaseApiConfig(base_url=case_server.url, token="wrong")) as client:
        result = client.lookup(sample.case_number, QueryCode(sample.query_code))
    assert result == Unavailable(UnavailableReason.UNAUTHORIZED)


def test_rate_limited(limited_case_server: RunningServer) -> None:
    sample = BY_STATUS[CaseStatus.POSTED]
    with CaseClient(CaseApiConfig(base_url=limited_case_server.url, token=TOKEN)) as client:
        results = [client.lookup(sample.case_number, QueryCode(sample.query_code)) for _ in range(3)]
        assert client.breaker.state is BreakerState.CLOSED
    assert [type(r) for r in results] == [Found, Found, RateLimited]
    limited = results[-1]
    assert (
        isinstance(limited, RateLimited)
        and limited.retry_after is not None
        and 1 <= limited.retry_after <= 60
    )


def test_guessing_the_phone_digits_gets_rate_limited(client: CaseClient) -> None:
    sample = BY_STATUS[CaseStatus.REVIEWING]
    guesses = [client.lookup(sample.case_number, PhoneLast4(f"{n:04d}")) for n in range(5)]
    assert all(isinstance(g, NotFoundOrMismatch) for g in guesses)
    locked = client.lookup(sample.case_number, PhoneLast4(sample.applicant_phone[-4:]))
    assert isinstance(locked, RateLimited) and locked.retry_after is not None and locked.retry_after > 60


def test_end_users_are_locked_separately(client: CaseClient) -> None:
    """A stranger guessing through the same assistant does not lock the owner out of their case."""
    sample = BY_STATUS[CaseStatus.REJECTED]
    stranger, owner = "u" + "1" * 32, "u" + "2" * 32
    guesses = [client.lookup(sample.case_number, PhoneLast4(f"{n:04d}"), stranger) for n in range(5)]
    assert all(isinstance(g, NotFoundOrMismatch) for g in guesses)
    assert isinstance(client.lookup(sample.case_number, PhoneLast4(sample.applicant_phone[-4:]), stranger),
                      RateLimited)
    assert isinstance(client.lookup(sample.case_number, PhoneLast4(sample.applicant_phone[-4:]), owner), Found)


def test_async_lookup(client: CaseClient) -> None:
    sample = BY_STATUS[CaseStatus.READY_FOR_PICKUP]
    result = asyncio.run(client.alookup(sample.case_number, QueryCode(sample.query_code)))
    assert isinstance(result, Found) and result.case.status is CaseStatus.READY_FOR_PICKUP


def test_client_logs_mask_case_numbers(client: CaseClient, caplog: pytest.LogCaptureFixture) -> None:
    sample = BY_STATUS[CaseStatus.ACCEPTED]
    with caplog.at_level("DEBUG"):  # every logger, urllib3's URL lines included
        client.lookup(sample.case_number, PhoneLast4(sample.applicant_phone[-4:]))
        client.lookup("not a number " + sample.applicant_phone, PhoneLast4("1234"))
    assert "ZJ20************01" in caplog.text
    assert sample.case_number not in caplog.text
    assert sample.applicant_phone[-4:] not in caplog.text
