"""The OpenAPI document itself, and a property-style conformance check of the running server.

Schemathesis fits neither pytest 8.3.5 nor jsonschema 4.17.3 (pinned by Rasa), so Hypothesis
generates requests here (valid, borderline and malformed) and every response of the real server
is validated against the document with jsonschema: status documented, headers, body schema.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from backend.seed import SAMPLE_CASES
from backend.testing import OPENAPI_PATH, Contract, RunningServer, running_server
from bot.cases import (
    CASE_NUMBER_PATTERN,
    END_USER_PATTERN,
    PHONE_LAST4_PATTERN,
    QUERY_CODE_PATTERN,
    STATUS_LABELS,
    CaseStatus,
)

TOKEN = "test-token"
CASE_PATH = "/v1/cases/{case_number}"
SAMPLES = {c.case_number: c for c in SAMPLE_CASES}


@pytest.fixture(scope="module")
def conformance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """No request limit, but 2 failed verifications lock a requester out of a case, so 429 answers occur too."""
    env = {"BACKEND_RATE_LIMIT": "0", "BACKEND_VERIFY_FAILURE_LIMIT": "2"}
    with running_server(tmp_path_factory.mktemp("conformance"), token=TOKEN, env=env) as server:
        yield server


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_document_is_openapi_31_with_resolvable_refs(contract: Contract) -> None:
    spec = contract.spec
    assert spec["openapi"].startswith("3.1.")
    for node in walk(spec):
        if isinstance(node, dict) and "$ref" in node:
            assert contract.resolve(node) is not None, node["$ref"]
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"], (path, method)
            for status, response in operation["responses"].items():
                response = contract.resolve(response)
                assert response["description"], (path, method, status)
                if status != "204":
                    assert "application/json" in response["content"], (path, method, status)


def test_document_matches_the_shared_formats_and_enums(contract: Contract) -> None:
    components = contract.spec["components"]
    assert components["schemas"]["CaseNumber"]["pattern"] == CASE_NUMBER_PATTERN
    assert components["parameters"]["PhoneLast4Header"]["schema"]["pattern"] == PHONE_LAST4_PATTERN
    assert components["parameters"]["QueryCodeHeader"]["schema"]["pattern"] == QUERY_CODE_PATTERN
    assert components["parameters"]["EndUserHeader"]["schema"]["pattern"] == END_USER_PATTERN
    assert components["schemas"]["StatusCode"]["enum"] == [s.value for s in CaseStatus]
    pairs = {
        branch["properties"]["code"]["const"]: branch["properties"]["label"]["const"]
        for branch in components["schemas"]["Status"]["oneOf"]
    }
    assert pairs == {status.value: label for status, label in STATUS_LABELS.items()}
    assert CASE_NUMBER_PATTERN in OPENAPI_PATH.read_text(encoding="utf-8")  # also in the description


def test_affair_ids_of_samples_exist_in_the_shared_list() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "affairs.yml"
    if not shared.exists():
        pytest.skip("shared/affairs.yml is not beside the repository")
    ids = {item["id"] for item in yaml.safe_load(shared.read_text(encoding="utf-8"))}
    assert {c.affair_id for c in SAMPLE_CASES} <= ids


def test_example_equals_the_servers_answer(contract: Contract, conformance_server: RunningServer) -> None:
    example = contract.spec["components"]["examples"]["ReadyForPickupCase"]["value"]
    contract.validator({"$ref": "#/components/schemas/Case"}).validate(example)
    sample = SAMPLES[example["case_number"]]
    response = requests.get(
        f"{conformance_server.url}/v1/cases/{sample.case_number}",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Verify-Query-Code": sample.query_code},
        timeout=5,
    )
    assert response.json() == example


def test_schema_rejects_contract_breaches(contract: Contract) -> None:
    case = dict(contract.spec["components"]["examples"]["ReadyForPickupCase"]["value"])
    validator = contract.validator({"$ref": "#/components/schemas/Case"})
    assert validator.is_valid(case)
    assert not validator.is_valid({**case, "pickup": None})
    assert not validator.is_valid({**case, "status": {"code": "ready_for_pickup", "label": "已寄出"}})
    assert not validator.is_valid({**case, "status": {"code": "lost", "label": "丢失"}})
    assert not validator.is_valid({**case, "rejection_reason": "x"})
    assert not validator.is_valid({**case, "promised_date": "20.11.2026"})
    assert not validator.is_valid({**case, "case_number": "ZJ2026110106000105"})
    assert not validator.is_valid({**case, "phone": "13900008125"})
    assert not validator.is_valid({k: v for k, v in case.items() if k != "steps"})


# --- requests generated by Hypothesis -------------------------------------------------------------

URL_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "-_.~%/?#:@ 中文", max_size=24)
HEADER_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_.", max_size=12)


@st.composite
def case_numbers(draw: st.DrawFn) -> str:
    """Mostly seeded numbers (to reach 200/404/429), also unknown, near-miss and junk ones."""
    kind = draw(st.sampled_from(["sample"] * 6 + ["unknown", "lower", "truncated", "junk"]))
    if kind == "unknown":
        return draw(st.from_regex(re.compile(CASE_NUMBER_PATTERN), fullmatch=True))
    if kind == "junk":
        return draw(URL_TEXT.filter(lambda t: t not in ("", ".", "..")))
    number = draw(st.sampled_from(sorted(SAMPLES)))
    return {"sample": number, "lower": number.lower(), "truncated": number[:-1]}[kind]


factors = st.sampled_from(
    ["right_phone"] * 3 + ["right_code"] * 3 + ["wrong_phone", "wrong_code", "none", "both", "garbage"]
)
auths = st.sampled_from(["right"] * 8 + ["missing", "wrong", "basic", "empty_bearer"])
end_users = st.sampled_from(["none"] * 3 + ["alice", "bob", "raw_id", "too_short"])
END_USERS = {
    "none": {},
    "alice": {"X-End-User": "u" + "a" * 32},
    "bob": {"X-End-User": "u" + "b" * 32},
    "raw_id": {"X-End-User": "wx:appid:openid"},
    "too_short": {"X-End-User": "u1234"},
}


def build_headers(case_number: str, factor: str, auth: str, garbage: str, end_user: str = "none") -> dict[str, str]:
    sample = SAMPLES.get(case_number)
    phone = sample.applicant_phone[-4:] if sample else "1234"
    code = sample.query_code if sample else "K7M3Q9TX"
    headers = {
        "right": {"Authorization": f"Bearer {TOKEN}"},
        "missing": {},
        "wrong": {"Authorization": "Bearer not-the-token"},
        "basic": {"Authorization": f"Basic {TOKEN}"},
        "empty_bearer": {"Authorization": "Bearer "},
    }[auth]
    factor_headers = {
        "right_phone": {"X-Verify-Phone-Last4": phone},
        "right_code": {"X-Verify-Query-Code": code},
        "wrong_phone": {"X-Verify-Phone-Last4": f"{(int(phone) + 1) % 10000:04d}"},
        "wrong_code": {"X-Verify-Query-Code": "ZZZZZZZZ"},
        "none": {},
        "both": {"X-Verify-Phone-Last4": phone, "X-Verify-Query-Code": code},
        "garbage": {"X-Verify-Phone-Last4": garbage}
        if len(garbage) % 2
        else {"X-Verify-Query-Code": garbage},
    }[factor]
    return {**headers, **factor_headers, **END_USERS[end_user]}


def expected_statuses(case_number: str, factor: str, auth: str, garbage: str, end_user: str = "none") -> set[int]:
    """What the documented order of checks allows (429 may come first: cases get locked)."""
    if auth != "right":
        return {401}
    if end_user in ("raw_id", "too_short"):
        return {400}
    if not re.fullmatch(CASE_NUMBER_PATTERN, case_number) or factor in ("none", "both"):
        return {400}
    if factor == "garbage":
        pattern = PHONE_LAST4_PATTERN if len(garbage) % 2 else QUERY_CODE_PATTERN
        if not re.fullmatch(pattern, garbage):
            return {400}
    if factor == "right_code" and case_number in SAMPLES:
        return {200}  # the receipt's query code always works, even while locked
    if factor == "right_phone" and case_number in SAMPLES:
        return {200, 429}
    return {404, 429}  # unknown number or wrong factor: one answer


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case_number=case_numbers(), factor=factors, auth=auths, garbage=HEADER_TEXT, end_user=end_users)
@example(case_number=SAMPLE_CASES[0].case_number, factor="right_phone", auth="right", garbage="", end_user="none")
@example(case_number=SAMPLE_CASES[0].case_number, factor="both", auth="right", garbage="", end_user="none")
@example(case_number=SAMPLE_CASES[0].case_number, factor="right_code", auth="missing", garbage="", end_user="alice")
@example(case_number=SAMPLE_CASES[5].case_number, factor="wrong_code", auth="right", garbage="", end_user="bob")
@example(case_number="ZJ2026330106999999", factor="right_phone", auth="right", garbage="", end_user="alice")
@example(case_number=SAMPLE_CASES[1].case_number, factor="right_phone", auth="right", garbage="", end_user="raw_id")
def test_every_response_conforms(
    http: requests.Session,
    conformance_server: RunningServer,
    contract: Contract,
    case_number: str,
    factor: str,
    auth: str,
    garbage: str,
    end_user: str,
) -> None:
    headers = build_headers(case_number, factor, auth, garbage, end_user)
    response = http.get(
        f"{conformance_server.url}/v1/cases/{quote(case_number, safe='')}", headers=headers, timeout=5
    )
    assert contract.problems(CASE_PATH, "get", response.status_code, response.headers, response.content) == []
    assert response.status_code in expected_statuses(case_number, factor, auth, garbage, end_user)
    assert "Traceback" not in response.text


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(path=URL_TEXT, method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
def test_other_routes_answer_json_errors(
    http: requests.Session, conformance_server: RunningServer, contract: Contract, path: str, method: str
) -> None:
    response = http.request(method, f"{conformance_server.url}/{quote(path, safe='/')}", timeout=5)
    if response.status_code == 200:
        assert method == "GET" and quote(path, safe="/").strip("/") == "v1/health"
        return
    assert response.status_code in (400, 401, 404, 405)
    assert response.headers["Content-Type"].startswith("application/json")
    contract.validator({"$ref": "#/components/schemas/Error"}).validate(response.json())
