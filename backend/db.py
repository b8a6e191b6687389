"""Tables of the reference case system and the engine factory (SQLAlchemy 1.4 in 2.0 style)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import registry, relationship

from bot.cases.models import CaseStatus

mapper_registry = registry()
Base = mapper_registry.generate_base()

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in CaseStatus)


class CaseRow(Base):
    """One case (办件), with the applicant's fictional identity and the verification secrets."""

    __tablename__ = "backend_cases"
    __table_args__ = (CheckConstraint(f"status IN ({_STATUS_VALUES})", name="ck_backend_cases_status"),)

    id = Column(Integer, primary_key=True)
    case_number = Column(String(18), nullable=False, unique=True)
    status = Column(String(32), nullable=False)
    affair_id = Column(String(80), nullable=False)
    affair_name = Column(String(200), nullable=False)
    department = Column(String(200), nullable=False)
    applicant_name = Column(String(50), nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    query_code = Column(String(8), nullable=False)
    submitted_on = Column(Date, nullable=False)
    accepted_on = Column(Date)
    promised_date = Column(Date)
    completed_on = Column(Date)
    rejection_reason = Column(Text)
    pickup_office_id = Column(String(80))
    pickup_office_name = Column(String(200))
    pickup_address = Column(String(300))
    pickup_hours = Column(String(200))
    pickup_window = Column(String(100))
    pickup_phone = Column(String(40))
    pickup_available_from = Column(Date)
    pickup_collect_by = Column(Date)
    post_carrier = Column(String(100))
    post_tracking_number = Column(String(32))
    post_posted_on = Column(Date)

    steps = relationship(
        "StepRow", order_by="StepRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    missing_materials = relationship(
        "MissingMaterialRow",
        order_by="MissingMaterialRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class StepRow(Base):
    """A processing step already done."""

    __tablename__ = "backend_case_steps"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("backend_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    name = Column(String(100), nullable=False)
    done_on = Column(Date, nullable=False)
    note = Column(String(300))


class MissingMaterialRow(Base):
    """A material the applicant still has to supply."""

    __tablename__ = "backend_case_missing_materials"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("backend_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    name = Column(String(200), nullable=False)
    note = Column(String(300))


def make_engine(url: str) -> Engine:
    """A 2.0-style engine; SQL parameters are never put into error messages (they hold personal data)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create the tables that do not exist yet."""
    mapper_registry.metadata.create_all(engine)


def ping(engine: Engine) -> None:
    """Raise sqlalchemy.exc.SQLAlchemyError when the database or the cases table does not answer."""
    with engine.connect() as connection:
        connection.execute(select(CaseRow.id).limit(1)).all()
