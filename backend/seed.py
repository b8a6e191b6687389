"""Fictional sample cases, one or more per status, inserted idempotently.

All applicants, phone numbers, query codes, addresses and tracking numbers are invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.db import CaseRow, MissingMaterialRow, StepRow, create_schema

HOURS = "周一至周五 9:00-12:00，13:30-17:00（法定节假日除外）"


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass(frozen=True)
class SampleCase:
    """One sample case; ``steps`` are (name, date, note), ``missing`` are (name, note)."""

    case_number: str
    status: str
    affair_id: str
    affair_name: str
    department: str
    applicant_name: str
    applicant_phone: str
    query_code: str
    submitted_on: str
    accepted_on: str | None
    promised_date: str | None
    completed_on: str | None = None
    steps: tuple[tuple[str, str, str | None], ...] = ()
    missing: tuple[tuple[str, str | None], ...] = ()
    rejection_reason: str | None = None
    pickup: dict[str, Any] | None = None
    post: dict[str, Any] | None = field(default=None)


SAMPLE_CASES: tuple[SampleCase, ...] = (
    SampleCase(
        case_number="ZJ2026330106000101",
        status="accepted",
        affair_id="residence-permit",
        affair_name="浙江省居住证申领",
        department="杭州市公安局西湖区分局",
        applicant_name="林晓雨",
        applicant_phone="13900002481",
        query_code="K7M3Q9TX",
        submitted_on="2026-11-18",
        accepted_on="2026-11-18",
        promised_date="2026-11-25",
        steps=(("申请", "2026-11-18", "浙里办提交"), ("受理", "2026-11-18", None)),
    ),
    SampleCase(
        case_number="ZJ2026330102000102",
        status="reviewing",
        affair_id="passport",
        affair_name="普通护照签发",
        department="杭州市公安局出入境管理局",
        applicant_name="陈思远",
        applicant_phone="13900003692",
        query_code="H4PZ8WRC",
        submitted_on="2026-11-18",
        accepted_on="2026-11-18",
        promised_date="2026-11-27",
        steps=(
            ("申请", "2026-11-18", "窗口提交"),
            ("受理", "2026-11-18", None),
            ("采集指纹与照片", "2026-11-18", None),
        ),
    ),
    SampleCase(
        case_number="ZJ2026330212000103",
        status="needs_correction",
        affair_id="hukou-move-in",
        affair_name="户口迁入（投靠、购房、人才落户）",
        department="宁波市公安局鄞州分局",
        applicant_name="王建国",
        applicant_phone="13900005803",
        query_code="B6NE2YQA",
        submitted_on="2026-11-10",
        accepted_on="2026-11-10",
        promised_date="2026-11-24",
        steps=(
            ("申请", "2026-11-10", "浙里办提交"),
            ("受理", "2026-11-10", None),
            ("审查", "2026-11-12", "材料不齐，一次性告知补正"),
        ),
        missing=(
            ("不动产权证书（原件及复印件）", "购房落户须提供，复印件须与原件一致"),
            ("房屋共有人同意落户的书面意见", None),
        ),
    ),
    SampleCase(
        case_number="ZJ2026330302000104",
        status="completed",
        affair_id="no-criminal-record",
        affair_name="无犯罪记录证明",
        department="温州市公安局鹿城区分局",
        applicant_name="黄美玲",
        applicant_phone="13900007014",
        query_code="T3KV7MDS",
        submitted_on="2026-11-16",
        accepted_on="2026-11-16",
        promised_date="2026-11-23",
        completed_on="2026-11-17",
        steps=(
            ("申请", "2026-11-16", "浙里办提交"),
            ("受理", "2026-11-16", None),
            ("审核", "2026-11-17", None),
            ("办结", "2026-11-17", "电子证明已推送至浙里办“我的证照”"),
        ),
    ),
    SampleCase(
        case_number="ZJ2026330106000105",
        status="ready_for_pickup",
        affair_id="id-card-renew",
        affair_name="居民身份证换领（有效期满或信息变更）",
        department="杭州市公安局西湖区分局",
        applicant_name="周杰",
        applicant_phone="13900008125",
        query_code="R8GA4XLP",
        submitted_on="2026-11-02",
        accepted_on="2026-11-02",
        promised_date="2026-11-20",
        completed_on="2026-11-17",
        steps=(
            ("申请", "2026-11-02", "窗口提交"),
            ("受理", "2026-11-02", None),
            ("审核", "2026-11-04", None),
            ("制证", "2026-11-16", None),
            ("证件到达领取点", "2026-11-17", None),
        ),
        pickup={
            "office_id": "hz-xihu-service-center",
            "office_name": "杭州市西湖区政务服务中心",
            "address": "杭州市西湖区示例路 1 号（示例地址）",
            "hours": HOURS,
            "window": "证件领取窗口",
            "phone": None,
            "available_from": "2026-11-18",
            "collect_by": "2027-02-18",
        },
    ),
    SampleCase(
        case_number="ZJ2026330782000106",
        status="posted",
        affair_id="driving-license-renew",
        affair_name="机动车驾驶证换证（有效期满）",
        department="金华市公安局交通警察支队义乌大队",
        applicant_name="吴海峰",
        applicant_phone="13900009236",
        query_code="W2QJ6HNF",
        submitted_on="2026-11-09",
        accepted_on="2026-11-09",
        promised_date="2026-11-11",
        completed_on="2026-11-10",
        steps=(
            ("申请", "2026-11-09", "交管12123提交"),
            ("受理", "2026-11-09", None),
            ("审核", "2026-11-10", None),
            ("制证", "2026-11-10", None),
            ("邮寄", "2026-11-11", None),
        ),
        post={"carrier": "中国邮政 EMS", "tracking_number": "1187000000106", "posted_on": "2026-11-11"},
    ),
    SampleCase(
        case_number="ZJ2026330402000107",
        status="rejected",
        affair_id="food-business-license",
        affair_name="食品经营许可",
        department="嘉兴市南湖区市场监督管理局",
        applicant_name="赵敏",
        applicant_phone="13900004347",
        query_code="D9CU5EKB",
        submitted_on="2026-11-03",
        accepted_on=None,
        promised_date=None,
        steps=(("申请", "2026-11-03", "浙里办提交"), ("受理审查", "2026-11-05", "作出不予受理决定")),
        rejection_reason="申请的经营项目不属于食品经营许可范围（仅销售预包装食品的，办理备案即可，无需许可）。",
    ),
)


@dataclass(frozen=True)
class SeedReport:
    """How many sample cases were inserted now and how many were there already."""

    inserted: int
    existing: int


def seed(engine: Engine, cases: tuple[SampleCase, ...] = SAMPLE_CASES) -> SeedReport:
    """Create the tables if needed and insert the sample cases that are missing (idempotent)."""
    create_schema(engine)
    with Session(engine, future=True) as session, session.begin():
        present = set(
            session.execute(
                select(CaseRow.case_number).where(CaseRow.case_number.in_([c.case_number for c in cases]))
            ).scalars()
        )
        for sample in cases:
            if sample.case_number not in present:
                session.add(_row(sample))
        return SeedReport(inserted=len(cases) - len(present), existing=len(present))


def _row(sample: SampleCase) -> CaseRow:
    pickup = sample.pickup or {}
    post = sample.post or {}
    return CaseRow(
        case_number=sample.case_number,
        status=sample.status,
        affair_id=sample.affair_id,
        affair_name=sample.affair_name,
        department=sample.department,
        applicant_name=sample.applicant_name,
        applicant_phone=sample.applicant_phone,
        query_code=sample.query_code,
        submitted_on=_d(sample.submitted_on),
        accepted_on=_opt_d(sample.accepted_on),
        promised_date=_opt_d(sample.promised_date),
        completed_on=_opt_d(sample.completed_on),
        rejection_reason=sample.rejection_reason,
        pickup_office_id=pickup.get("office_id"),
        pickup_office_name=pickup.get("office_name"),
        pickup_address=pickup.get("address"),
        pickup_hours=pickup.get("hours"),
        pickup_window=pickup.get("window"),
        pickup_phone=pickup.get("phone"),
        pickup_available_from=_opt_d(pickup.get("available_from")),
        pickup_collect_by=_opt_d(pickup.get("collect_by")),
        post_carrier=post.get("carrier"),
        post_tracking_number=post.get("tracking_number"),
        post_posted_on=_opt_d(post.get("posted_on")),
        steps=[
            StepRow(position=i, name=name, done_on=_d(day), note=note)
            for i, (name, day, note) in enumerate(sample.steps)
        ],
        missing_materials=[
            MissingMaterialRow(position=i, name=name, note=note)
            for i, (name, note) in enumerate(sample.missing)
        ],
    )


def _opt_d(text: str | None) -> dt.date | None:
    return None if text is None else _d(text)
