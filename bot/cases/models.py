"""Typed case model and lookup results, parsed strictly from the API's JSON (backend/openapi.yml)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.cases.numbers import CASE_NUMBER_RE


class CaseStatus(str, Enum):
    """Stable status codes of the contract; ``label`` is the Chinese name shown to citizens."""

    ACCEPTED = "accepted"
    REVIEWING = "reviewing"
    NEEDS_CORRECTION = "needs_correction"
    COMPLETED = "completed"
    READY_FOR_PICKUP = "ready_for_pickup"
    POSTED = "posted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese label (已受理, 审查中 ...)."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.REVIEWING: "审查中",
    CaseStatus.NEEDS_CORRECTION: "需补正",
    CaseStatus.COMPLETED: "已办结",
    CaseStatus.READY_FOR_PICKUP: "待领取",
    CaseStatus.POSTED: "已寄出",
    CaseStatus.REJECTED: "不予受理",
}


class UnavailableReason(str, Enum):
    """Why the case-status service could not answer."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    SERVER_ERROR = "server_error"
    BAD_RESPONSE = "bad_response"
    UNAUTHORIZED = "unauthorized"
    BAD_REQUEST = "bad_request"
    CIRCUIT_OPEN = "circuit_open"


@dataclass(frozen=True)
class Affair:
    """The affair (事项) the case belongs to; ``id`` is an id of shared/affairs.yml."""

    id: str
    name: str


@dataclass(frozen=True)
class Step:
    """A processing step already done (申请, 受理, 审查 ...) and the day it was done."""

    name: str
    done_on: dt.date
    note: str | None = None


@dataclass(frozen=True)
class MissingMaterial:
    """A material the applicant still has to supply (需补正)."""

    name: str
    note: str | None = None


@dataclass(frozen=True)
class Pickup:
    """Where and when to collect the result in person."""

    office_name: str
    address: str
    hours: str
    office_id: str | None = None
    window: str | None = None
    phone: str | None = None
    available_from: dt.date | None = None
    collect_by: dt.date | None = None


@dataclass(frozen=True)
class PostDelivery:
    """The result was posted: carrier and tracking number."""

    carrier: str
    tracking_number: str
    posted_on: dt.date | None = None


@dataclass(frozen=True)
class Case:
    """Everything the API says about one case."""

    case_number: str
    status: CaseStatus
    status_label: str
    affair: Affair
    department: str
    applicant_masked: str | None
    submitted_on: dt.date
    accepted_on: dt.date | None
    promised_date: dt.date | None
    completed_on: dt.date | None
    steps: tuple[Step, ...]
    missing_materials: tuple[MissingMaterial, ...]
    pickup: Pickup | None
    delivery: PostDelivery | None
    rejection_reason: str | None

    @classmethod
    def from_json(cls, data: Any) -> Case:
        """Parse the API's case object; raise ValueError when it breaks the contract."""
        obj = _obj(data, "case")
        status_obj = _obj(obj.get("status"), "status")
        try:
            status = CaseStatus(_str(status_obj, "code"))
        except ValueError as exc:
            raise ValueError("unknown status code") from exc
        affair_obj = _obj(obj.get("affair"), "affair")
        case_number = _str(obj, "case_number")
        if not CASE_NUMBER_RE.fullmatch(case_number):
            raise ValueError("malformed case_number")
        pickup_obj = obj.get("pickup")
        delivery_obj = obj.get("delivery")
        return cls(
            case_number=case_number,
            status=status,
            status_label=_str(status_obj, "label"),
            affair=Affair(id=_str(affair_obj, "id"), name=_str(affair_obj, "name")),
            department=_str(obj, "department"),
            applicant_masked=_opt_str(obj, "applicant_masked"),
            submitted_on=_date(obj, "submitted_on"),
            accepted_on=_opt_date(obj, "accepted_on"),
            promised_date=_opt_date(obj, "promised_date"),
            completed_on=_opt_date(obj, "completed_on"),
            steps=tuple(
                Step(name=_str(s, "name"), done_on=_date(s, "done_on"), note=_opt_str(s, "note"))
                for s in (_obj(item, "step") for item in _list(obj, "steps"))
            ),
            missing_materials=tuple(
                MissingMaterial(name=_str(m, "name"), note=_opt_str(m, "note"))
                for m in (_obj(item, "material") for item in _list(obj, "missing_materials"))
            ),
            pickup=None if pickup_obj is None else _pickup(_obj(pickup_obj, "pickup")),
            delivery=None if delivery_obj is None else _delivery(_obj(delivery_obj, "delivery")),
            rejection_reason=_opt_str(obj, "rejection_reason"),
        )


def _pickup(obj: dict[str, Any]) -> Pickup:
    return Pickup(
        office_name=_str(obj, "office_name"),
        address=_str(obj, "address"),
        hours=_str(obj, "hours"),
        office_id=_opt_str(obj, "office_id"),
        window=_opt_str(obj, "window"),
        phone=_opt_str(obj, "phone"),
        available_from=_opt_date(obj, "available_from"),
        collect_by=_opt_date(obj, "collect_by"),
    )


def _delivery(obj: dict[str, Any]) -> PostDelivery:
    return PostDelivery(
        carrier=_str(obj, "carrier"),
        tracking_number=_str(obj, "tracking_number"),
        posted_on=_opt_date(obj, "posted_on"),
    )


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object")
    return value


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{key} is not a list")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _str(obj, key)


def _date(obj: dict[str, Any], key: str) -> dt.date:
    value = _str(obj, key)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{key} is not a YYYY-MM-DD date") from exc


def _opt_date(obj: dict[str, Any], key: str) -> dt.date | None:
    return None if obj.get(key) is None else _date(obj, key)


@dataclass(frozen=True)
class Found:
    """The case exists and the verification factor matched."""

    case: Case


@dataclass(frozen=True)
class NotFoundOrMismatch:
    """No case has this number, or the phone digits or query code did not match.

    The API deliberately does not say which (so that case numbers cannot be enumerated); the
    dialogue asks to check both and counts it as a failed verification.
    """

    case_number: str


@dataclass(frozen=True)
class RateLimited:
    """Too many lookups; ``retry_after`` seconds to wait, when the server said."""

    retry_after: int | None


@dataclass(frozen=True)
class Unavailable:
    """The service could not answer now (timeouts, errors, breaker open, contract broken)."""

    reason: UnavailableReason


@dataclass(frozen=True)
class BadCaseNumber:
    """The text is not a case number in the documented format; no request was sent."""

    text: str

    def __repr__(self) -> str:
        return f"BadCaseNumber(text=<{len(self.text)} chars>)"


LookupResult = Found | NotFoundOrMismatch | RateLimited | Unavailable | BadCaseNumber
