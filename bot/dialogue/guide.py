"""The full guide as structure: the parts a page renders as a checklist, a hall card and labelled rows.

The plain-text guide (bot.dialogue.answers) is written from the same parts, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from bot.catalog.catalog import Catalog, MaterialLine, OfficeMatch, PendingQuestion
from bot.catalog.domain import Affair, Office

GUIDE_TYPE = "onevisit.guide"
GUIDE_VERSION = 1
FORMS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件和复印件"}
MEDIA = {"paper": "纸质", "electronic": "电子", "paper_or_electronic": "纸质或电子"}
MAP_URL = "https://uri.amap.com/marker"


@dataclass(frozen=True)
class MaterialItem:
    """One material to bring, as the person reads it."""

    name: str
    form: str
    count: int
    medium: str
    notes: str = ""
    needed_when: str = ""  # 领卡方式选“邮寄到家”时需要: which open preference needs it
    used_for: str = ""  # in a bundle: the parts it serves

    def as_json(self) -> dict:
        """The checklist entry of the structured guide."""
        return {"name": self.name, "form": self.form, "count": self.count, "medium": self.medium,
                "notes": self.notes, "needed_when": self.needed_when, "for": self.used_for}


@dataclass(frozen=True)
class ExemptItem:
    """A material the government already holds: named, so nobody fetches it, but not to be brought."""

    name: str
    reason: str

    def as_json(self) -> dict:
        """The "无需提供" entry of the structured guide."""
        return {"name": self.name, "reason": self.reason}


def material_items(catalog: Catalog, affair: Affair, lines: list[MaterialLine],
                   preferences: list[PendingQuestion] = ()) -> tuple[list[MaterialItem], list[ExemptItem]]:
    """What to bring and what need not be brought, for the situation.

    A material that only some of the open preferences need (e.g. one way of collecting a card) says so.
    """
    open_by_part = {(p.part, p.question.id): p.question for p in preferences}
    bring, held = [], []
    for line in lines:
        m = line.material
        if m.exempt:
            held.append(ExemptItem(m.name, m.exempt_reason))
            continue
        needed = []
        for part in (line.parts or (None,)):
            for question_id, allowed in m.when.items():
                question = open_by_part.get((part, question_id))
                if question is not None:
                    labels = "或".join(f"“{o.label}”" for o in question.options if o.value in allowed)
                    needed.append(f"{question.preference}选{labels}时需要")
        used_for = ""
        if affair.is_bundle and line.parts:
            used_for = "、".join(catalog.affairs[p].short_name for p in line.parts if p in catalog.affairs)
        bring.append(MaterialItem(m.name, FORMS.get(m.form, m.form), line.count, MEDIA.get(m.medium, m.medium),
                                  m.notes, "；".join(needed), used_for))
    return bring, held


def map_url(office: Office) -> str | None:
    """A map link for the hall when its coordinates are on record."""
    if office.location is None:
        return None
    lng, lat = office.location
    return f"{MAP_URL}?" + urlencode({"position": f"{lng:.6f},{lat:.6f}", "name": office.name,
                                      "coordinate": "gaode", "callnative": "0"})


def office_unverified_note(office: Office, hotline: str) -> str:
    """The sentence that says the hall's details are unconfirmed, or "" when they were checked and complete."""
    if office.verified and office.address and office.hours:
        return ""
    return f"以上大厅信息尚未核实，出发前请拨打 {hotline} 确认地址和时间。"


def office_card(match: OfficeMatch | None, hotline: str) -> dict | None:
    """The hall as a card; unknown fields stay null rather than guessed."""
    if match is None:
        return None
    office = match.office
    return {"name": office.name, "address": office.address, "window": office.window, "hours": office.hours,
            "phone": office.phone, "booking": office.booking, "map_url": map_url(office),
            "verified": office.verified, "note": office_unverified_note(office, hotline)}
