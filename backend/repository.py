"""Reading cases from the database and turning them into the API's JSON (backend/openapi.yml)."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.db import CaseRow, ping
from bot.cases.models import CaseStatus


@dataclass(frozen=True)
class StoredCase:
    """A case as the API shows it (``payload``), with its verification secrets kept apart."""

    payload: dict[str, Any]
    phone_last4: str = field(repr=False)
    query_code: str = field(repr=False)

    def verify(self, phone_last4: str | None, query_code: str | None) -> bool:
        """Constant-time check of the one factor given."""
        return _matches(phone_last4, query_code, self.phone_last4, self.query_code)


# Compared against when no case has the number, so that an unknown number costs the same
# constant-time comparison as a wrong factor (the answer is the same too: not found or mismatch).
_DUMMY_PHONE_LAST4 = "0000"
_DUMMY_QUERY_CODE = "AAAAAAAA"


def _matches(phone_last4: str | None, query_code: str | None, secret_phone: str, secret_code: str) -> bool:
    """Constant-time check of the one factor given against the secrets."""
    if phone_last4 is not None:
        return hmac.compare_digest(phone_last4.encode(), secret_phone.encode())
    if query_code is not None:
        return hmac.compare_digest(query_code.encode(), secret_code.encode())
    return False


class CaseRepository:
    """Blocking database access; the server calls it from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def lookup(self, case_number: str, phone_last4: str | None, query_code: str | None) -> dict[str, Any] | None:
        """The case's JSON when it exists and the factor matches; None otherwise, without saying which.

        Both failures take the same path: one indexed single-row read of the secrets and one
        constant-time comparison (against a dummy when the number is unknown). Only a match loads
        the rest of the case (steps, materials).
        """
        with Session(self._engine, future=True) as session:
            secrets = session.execute(
                select(CaseRow.id, CaseRow.applicant_phone, CaseRow.query_code).where(
                    CaseRow.case_number == case_number
                )
            ).one_or_none()
            if secrets is None:
                _matches(phone_last4, query_code, _DUMMY_PHONE_LAST4, _DUMMY_QUERY_CODE)
                return None
            if not _matches(phone_last4, query_code, secrets.applicant_phone[-4:], secrets.query_code):
                return None
            row = session.get(CaseRow, secrets.id)
            return None if row is None else case_payload(row)

    def find(self, case_number: str) -> StoredCase | None:
        """The case with this number, or None."""
        with Session(self._engine, future=True) as session:
            row = session.execute(
                select(CaseRow).where(CaseRow.case_number == case_number)
            ).scalar_one_or_none()
            if row is None:
                return None
            return StoredCase(
                payload=case_payload(row),
                phone_last4=row.applicant_phone[-4:],
                query_code=row.query_code,
            )

    def ping(self) -> None:
        """Raise when the database does not answer."""
        ping(self._engine)


def case_payload(row: CaseRow) -> dict[str, Any]:
    """The JSON object of the ``Case`` schema."""
    status = CaseStatus(row.status)
    pickup = None
    if row.pickup_office_name:
        pickup = {
            "office_id": row.pickup_office_id,
            "office_name": row.pickup_office_name,
            "address": row.pickup_address,
            "hours": row.pickup_hours,
            "window": row.pickup_window,
            "phone": row.pickup_phone,
            "available_from": _iso(row.pickup_available_from),
            "collect_by": _iso(row.pickup_collect_by),
        }
    delivery = None
    if row.post_tracking_number:
        delivery = {
            "carrier": row.post_carrier,
            "tracking_number": row.post_tracking_number,
            "posted_on": _iso(row.post_posted_on),
        }
    return {
        "case_number": row.case_number,
        "status": {"code": status.value, "label": status.label},
        "affair": {"id": row.affair_id, "name": row.affair_name},
        "department": row.department,
        "applicant_masked": mask_name(row.applicant_name),
        "submitted_on": _iso(row.submitted_on),
        "accepted_on": _iso(row.accepted_on),
        "promised_date": _iso(row.promised_date),
        "completed_on": _iso(row.completed_on),
        "steps": [{"name": s.name, "done_on": _iso(s.done_on), "note": s.note} for s in row.steps],
        "missing_materials": [{"name": m.name, "note": m.note} for m in row.missing_materials],
        "pickup": pickup,
        "delivery": delivery,
        "rejection_reason": row.rejection_reason,
    }


def mask_name(name: str | None) -> str | None:
    """王小明 -> 王*明, 李娜 -> 李*: enough for the citizen to recognise, not enough to identify."""
    if not name:
        return None
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
