"""The reference server over real HTTP: every status, errors, limits, headers, and clean logs."""

from __future__ import annotations

import re

import pytest
import requests

from backend.seed import SAMPLE_CASES, SampleCase
from backend.testing import Contract, RunningServer, running_server
from bot.cases import CaseStatus

TOKEN = "test-token"
CASE_PATH = "/v1/cases/{case_number}"
UNKNOWN = "ZJ2026330106999999"
OWNER = "u" + "0" * 32
STRANGER = "u" + "f" * 32


def get_case(
    http: requests.Session,
    server: RunningServer,
    case_number: str,
    *,
    phone: str | None = None,
    code: str | None = None,
    token: str | None = TOKEN,
    end_user: str | None = None,
) -> requests.Response:
    headers = {}
    if end_user is not None:
        headers["X-End-User"] = end_user
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if phone is not None:
        headers["X-Verify-Phone-Last4"] = phone
    if code is not None:
        headers["X-Verify-Query-Code"] = code
    return http.get(f"{server.url}/v1/cases/{case_number}", headers=headers, timeout=5)


def assert_conforms(contract: Contract, response: requests.Response, path: str = CASE_PATH) -> None:
    problems = contract.problems(path, "get", response.status_code, response.headers, response.content)
    assert problems == []


def test_samples_cover_every_status() -> None:
    assert {CaseStatus(c.status) for c in SAMPLE_CASES} == set(CaseStatus)


@pytest.mark.parametrize("sample", SAMPLE_CASES, ids=lambda c: c.status)
@pytest.mark.parametrize("factor", ["phone", "code"])
def test_every_sample_case_found_with_either_factor(
    http: requests.Session, backend_server: RunningServer, contract: Contract, sample: SampleCase, factor: str
) -> None:
    kwargs = {"phone": sample.applicant_phone[-4:]} if factor == "phone" else {"code": sample.query_code}
    response = get_case(http, backend_server, sample.case_number, **kwargs)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert_conforms(contract, response)
    body = response.json()
    status = CaseStatus(sample.status)
    assert body["case_number"] == sample.case_number
    assert body["status"] == {"code": status.value, "label": status.label}
    assert body["affair"]["id"] == sample.affair_id
    assert body["applicant_masked"] != sample.applicant_name
    assert sample.applicant_phone not in response.text
    assert sample.query_code not in response.text
    assert [s["name"] for s in body["steps"]] == [s[0] for s in sample.steps]


def test_status_specific_fields(http: requests.Session, backend_server: RunningServer) -> None:
    by_status = {
        c.status: get_case(http, backend_server, c.case_number, code=c.query_code).json()
        for c in SAMPLE_CASES
    }
    assert [m["name"] for m in by_status["needs_correction"]["missing_materials"]][0].startswith(
        "不动产权证书"
    )
    assert by_status["ready_for_pickup"]["pickup"]["office_id"] == "hz-xihu-service-center"
    assert by_status["ready_for_pickup"]["pickup"]["hours"]
    assert by_status["posted"]["delivery"] == {
        "carrier": "中国邮政 EMS",
        "tracking_number": "1187000000106",
        "posted_on": "2026-11-11",
    }
    assert "预包装食品" in by_status["rejected"]["rejection_reason"]
    assert by_status["rejected"]["accepted_on"] is None
    assert by_status["reviewing"]["promised_date"] == "2026-11-27"
    assert by_status["completed"]["completed_on"] == "2026-11-17"


def comparable(response: requests.Response) -> tuple:
    """Everything a caller sees, except what differs on every response (request id, date)."""
    body = {k: v for k, v in response.json().items() if k != "request_id"}
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in ("x-request-id", "date")}
    return response.status_code, body, headers


@pytest.mark.parametrize("factor", ["phone", "code"])
def test_unknown_case_and_wrong_factor_are_indistinguishable(
    http: requests.Session, backend_server: RunningServer, contract: Contract, factor: str
) -> None:
    sample = SAMPLE_CASES[1]
    kwargs = {"phone": "0000"} if factor == "phone" else {"code": "ZZZZZZZZ"}
    end_user = f"u{factor:0>32}"
    unknown = get_case(http, backend_server, UNKNOWN, end_user=end_user, **kwargs)
    wrong = get_case(http, backend_server, sample.case_number, end_user=end_user, **kwargs)
    assert comparable(unknown) == comparable(wrong)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found_or_mismatch"
    assert_conforms(contract, unknown)
    assert_conforms(contract, wrong)


def test_unknown_case_numbers_lock_like_known_ones(http: requests.Session, backend_server: RunningServer) -> None:
    """Enumeration through the lockout fails too: the sixth guess is a 429 whether the case exists or not."""
    sample = SAMPLE_CASES[5]
    answers = {}
    for number in (UNKNOWN, sample.case_number):
        answers[number] = [
            get_case(http, backend_server, number, phone=f"{n:04d}", end_user="u" + "e" * 32).status_code
            for n in range(6)
        ]
    assert answers[UNKNOWN] == answers[sample.case_number] == [404] * 5 + [429]


@pytest.mark.parametrize(
    ("case_number", "headers"),
    [
        ("zj2026330106000101", {"X-Verify-Phone-Last4": "2481"}),
        ("ZJ202633010600010", {"X-Verify-Phone-Last4": "2481"}),
        ("ZJ2026110106000101", {"X-Verify-Phone-Last4": "2481"}),
        ("ZJ2026330106000101", {}),
        ("ZJ2026330106000101", {"X-Verify-Phone-Last4": "2481", "X-Verify-Query-Code": "K7M3Q9TX"}),
        ("ZJ2026330106000101", {"X-Verify-Phone-Last4": "248"}),
        ("ZJ2026330106000101", {"X-Verify-Query-Code": "k7m3q9tx"}),
        ("ZJ2026330106000101", {"X-Verify-Query-Code": "K7M3Q9T0"}),
        ("ZJ2026330106000101", {"X-Verify-Phone-Last4": "2481", "X-End-User": "wx:appid:openid"}),
        ("ZJ2026330106000101", {"X-Verify-Phone-Last4": "2481", "X-End-User": "u123"}),
        ("ZJ2026330106000101", {"X-Verify-Phone-Last4": "2481", "X-End-User": ""}),
    ],
)
def test_malformed_input_is_400(
    http: requests.Session, backend_server: RunningServer, contract: Contract, case_number: str, headers: dict
) -> None:
    response = http.get(
        f"{backend_server.url}/v1/cases/{case_number}",
        headers={"Authorization": f"Bearer {TOKEN}", **headers},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert_conforms(contract, response)


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_missing_or_wrong_token_is_401(
    http: requests.Session, backend_server: RunningServer, contract: Contract, token: str | None
) -> None:
    sample = SAMPLE_CASES[0]
    response = get_case(
        http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:], token=token
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "case_number" not in response.text
    assert_conforms(contract, response)


def test_basic_auth_scheme_is_401(http: requests.Session, backend_server: RunningServer) -> None:
    response = http.get(
        f"{backend_server.url}/v1/cases/{UNKNOWN}",
        headers={"Authorization": f"Basic {TOKEN}", "X-Verify-Phone-Last4": "1234"},
        timeout=5,
    )
    assert response.status_code == 401


def test_failed_verifications_lock_the_requester_out_of_the_case(
    http: requests.Session, backend_server: RunningServer, contract: Contract
) -> None:
    sample = SAMPLE_CASES[2]
    for guess in ("0000", "0001", "0002", "0003", "0004"):
        assert get_case(http, backend_server, sample.case_number, phone=guess).status_code == 404
    locked = get_case(http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:])
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    assert locked.json()["retry_after"] == int(locked.headers["Retry-After"])
    assert_conforms(contract, locked)
    other = SAMPLE_CASES[3]
    assert (
        get_case(http, backend_server, other.case_number, phone=other.applicant_phone[-4:]).status_code == 200
    )


def test_a_strangers_failures_do_not_lock_the_owner(http: requests.Session, backend_server: RunningServer) -> None:
    sample = SAMPLE_CASES[4]
    for guess in range(5):
        response = get_case(http, backend_server, sample.case_number, phone=f"{guess:04d}", end_user=STRANGER)
        assert response.status_code == 404
    assert get_case(http, backend_server, sample.case_number, phone="0005", end_user=STRANGER).status_code == 429
    owner = get_case(http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:], end_user=OWNER)
    assert owner.status_code == 200


def test_a_correct_query_code_works_even_when_locked(http: requests.Session, backend_server: RunningServer) -> None:
    sample = SAMPLE_CASES[6]
    me = "u" + "c" * 32
    for guess in range(5):
        assert get_case(http, backend_server, sample.case_number, phone=f"{guess:04d}", end_user=me).status_code == 404
    assert get_case(http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:],
                    end_user=me).status_code == 429
    assert get_case(http, backend_server, sample.case_number, code="ZZZZZZZZ", end_user=me).status_code == 429
    assert get_case(http, backend_server, sample.case_number, code=sample.query_code, end_user=me).status_code == 200
    # a success clears this requester's failures on the case
    assert get_case(http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:],
                    end_user=me).status_code == 200


def test_guessing_phone_digits_from_many_identities_is_limited_per_case(
    http: requests.Session, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Rotating end-user ids only buys so many phone guesses per case; the query code still works."""
    env = {"BACKEND_RATE_LIMIT": "0", "BACKEND_VERIFY_FAILURE_LIMIT": "5", "BACKEND_CASE_PHONE_FAILURE_LIMIT": "6"}
    with running_server(tmp_path_factory.mktemp("rotating"), token=TOKEN, env=env) as server:
        sample = SAMPLE_CASES[0]
        statuses = [
            get_case(http, server, sample.case_number, phone=f"{n:04d}", end_user=f"u{n:032d}").status_code
            for n in range(7)
        ]
        assert statuses == [404] * 6 + [429]
        owner = get_case(http, server, sample.case_number, phone=sample.applicant_phone[-4:], end_user=OWNER)
        assert owner.status_code == 429
        assert get_case(http, server, sample.case_number, code=sample.query_code, end_user=OWNER).status_code == 200
        other = SAMPLE_CASES[1]
        assert get_case(http, server, other.case_number, phone=other.applicant_phone[-4:]).status_code == 200


def test_rate_limit_counts_per_end_user_after_the_token(
    http: requests.Session, limited_server: RunningServer, contract: Contract
) -> None:
    """Two citizens through the one assistant address are limited separately; a wrong token costs nobody."""
    sample = SAMPLE_CASES[3]
    alice, bob = "u" + "a" * 32, "u" + "b" * 32
    for _ in range(5):
        unauthorised = get_case(http, limited_server, sample.case_number, code=sample.query_code, token="wrong",
                                end_user=alice)
        assert unauthorised.status_code == 401
    alices = [get_case(http, limited_server, sample.case_number, code=sample.query_code, end_user=alice)
              for _ in range(4)]
    assert [r.status_code for r in alices] == [200, 200, 200, 429]
    assert_conforms(contract, alices[-1])
    assert get_case(http, limited_server, sample.case_number, code=sample.query_code, end_user=bob).status_code == 200


def test_client_rate_limit_is_429_with_retry_after(
    http: requests.Session, limited_server: RunningServer, contract: Contract
) -> None:
    sample = SAMPLE_CASES[0]
    statuses = [get_case(http, limited_server, sample.case_number, code=sample.query_code) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    limited = statuses[-1]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert_conforms(contract, limited)


def test_health(http: requests.Session, backend_server: RunningServer, contract: Contract) -> None:
    response = http.get(f"{backend_server.url}/v1/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_conforms(contract, response, "/v1/health")


def test_unknown_route_and_method_are_json(
    http: requests.Session, backend_server: RunningServer, contract: Contract
) -> None:
    error_schema = contract.validator({"$ref": "#/components/schemas/Error"})
    missing = http.get(f"{backend_server.url}/v1/case/{SAMPLE_CASES[0].case_number}", timeout=5)
    assert missing.status_code == 404
    error_schema.validate(missing.json())
    assert missing.json()["error"] == "not_found"
    wrong_method = http.post(f"{backend_server.url}/v1/cases/{UNKNOWN}", timeout=5)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET"
    error_schema.validate(wrong_method.json())


def test_request_id_header_matches_body(http: requests.Session, backend_server: RunningServer) -> None:
    response = get_case(http, backend_server, UNKNOWN, phone="1234")
    assert response.headers["X-Request-Id"] == response.json()["request_id"]


def test_logs_hold_no_personal_data(http: requests.Session, backend_server: RunningServer) -> None:
    for sample in SAMPLE_CASES:
        get_case(http, backend_server, sample.case_number, phone=sample.applicant_phone[-4:])
        get_case(http, backend_server, sample.case_number, code=sample.query_code)
    http.get(f"{backend_server.url}/v1/anything/{SAMPLE_CASES[0].case_number}/{SAMPLE_CASES[0].query_code}")
    # Timestamps and random request ids may contain any four digits by chance: leave them out.
    log = re.sub(r"^\S+ \S+ |id=[0-9a-f]{16}", "", backend_server.log_text(), flags=re.MULTILINE)
    assert "GET /v1/cases/ZJ20************01 200" in log
    for sample in SAMPLE_CASES:
        assert sample.case_number not in log
        assert sample.applicant_phone[-4:] not in log
        assert sample.query_code not in log
        assert sample.applicant_name not in log
        assert sample.applicant_name[0] + "*" not in log
