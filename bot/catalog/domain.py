"""Plain domain objects for affairs, situations, materials, places and offices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Conditions = dict[str, list[str]]

# The key under which questions that are no affair of ours are kept among the phrasings.
OUT_OF_SCOPE = ""


@dataclass(frozen=True)
class Umbrella:
    """A topic several affairs share (户口迁移: moving in from outside or within the province), with questions
    that name only the topic: asked so, the person is asked which of the affairs they mean."""

    id: str
    topic: str
    affairs: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class TwoAffairQuestion:
    """A question that concerns two affairs or more at once (钱包丢了，身份证驾驶证都在里面), with those affairs. It is
    no affair's phrasing: it teaches the resolver what such a question sounds like, and which affairs go together."""

    question: str
    affairs: tuple[str, ...]


@dataclass(frozen=True)
class Option:
    """One possible answer to a situation question."""

    value: str
    label: str
    hints: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # whole replies people give for this option (knowledge/answers/)
    notice: str = ""  # what a person who gives this answer must know first (said at the top of the guide)


@dataclass(frozen=True)
class Question:
    """A situation question (情形) and the answers it allows."""

    id: str
    ask: str
    options: tuple[Option, ...]
    ask_if: Conditions = field(default_factory=dict)
    preference: str = ""  # a label (领卡方式) when the question is a preference, never asked

    def option(self, value: str) -> Option | None:
        """The option with this value, if any."""
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Material:
    """One material to bring (or that the government already holds)."""

    name: str
    form: str
    count: int
    medium: str = "paper"
    source: str = ""
    notes: str = ""
    exempt: bool = False
    exempt_reason: str = ""
    when: Conditions = field(default_factory=dict)
    part: str | None = None

    def applies(self, answers: dict[str, str]) -> bool:
        """True when every condition is met; unanswered conditions count as met."""
        return matches(self.when, answers, unknown_matches=True)


@dataclass(frozen=True)
class Implication:
    """Answers that follow from the affair itself (when `when` is empty) or from earlier answers."""

    answers: dict[str, str]
    when: Conditions = field(default_factory=dict)


@dataclass(frozen=True)
class SameMaterial:
    """One document that a bundle's parts list under different names (申报人居民身份证, 申领人居民身份证): the
    bundle lists it once, as `name`, with its own `notes` when given."""

    name: str
    materials: frozenset[str]
    notes: str = ""


@dataclass(frozen=True)
class SituationValue:
    """A fee or a number of trips that holds in one situation (a damaged ID card costs 40 yuan where an expired one
    costs 20; a car that must be inspected goes to a testing station once)."""

    value: float | None  # None: charged at a local rate the guide does not give
    note: str
    when: Conditions


def value_in(cases: tuple[SituationValue, ...], answers: dict[str, str]) -> SituationValue | None:
    """The first case the answers meet (an unanswered condition does not), or None."""
    return next((c for c in cases if matches(c.when, answers, unknown_matches=False)), None)


@dataclass(frozen=True)
class Affair:
    """An affair (事项) with everything its service guide says."""

    id: str
    code: str
    name: str
    short_name: str
    department: str
    level: str
    type: str
    scope: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    questions: tuple[str, ...]
    conditions: tuple[str, ...]
    office_kinds: tuple[str, ...]
    situations: tuple[Question, ...]
    materials: tuple[Material, ...]
    time_limit: dict[str, Any]
    fee: dict[str, Any]
    online: dict[str, Any]
    visits: int
    in_person: str
    post_delivery: bool
    legal_basis: tuple[str, ...]
    parts: tuple[str, ...]
    notes: tuple[str, ...]
    source: str
    checked: str | None
    verified: bool
    implies: tuple[Implication, ...] = ()
    source_url: str | None = None
    checked_by: str | None = None
    issued_within: dict[str, str] = field(default_factory=dict)  # a part's material name -> the part issuing it
    fee_cases: tuple[SituationValue, ...] = ()
    visits_cases: tuple[SituationValue, ...] = ()
    parts_when: dict[str, Conditions] = field(default_factory=dict)  # a part done only when these answers hold
    same_material: tuple[SameMaterial, ...] = ()  # one document its parts list under different names

    def fee_in(self, answers: dict[str, str]) -> tuple[float | None, str]:
        """The fee and its note in this situation: the first fee case the answers meet, else the affair's own."""
        case = value_in(self.fee_cases, answers)
        if case is None:
            return self.fee.get("amount", 0), self.fee.get("note") or ""
        return case.value, case.note or self.fee.get("note") or ""

    def visits_in(self, answers: dict[str, str]) -> tuple[int, str]:
        """The trips needed in this situation, with where they go when that is said: the first case the answers
        meet, else the affair's own."""
        case = value_in(self.visits_cases, answers)
        return (self.visits, "") if case is None else (int(case.value), case.note)

    @property
    def situation_cases(self) -> tuple[SituationValue, ...]:
        """The fees and trips said by situation: their questions decide the answer too."""
        return self.fee_cases + self.visits_cases

    @property
    def is_bundle(self) -> bool:
        """True for one-thing bundles (一件事)."""
        return bool(self.parts)

    def materials_applying(self, answers: dict[str, str]) -> list[Material]:
        """The materials whose conditions the answers meet. An unanswered condition counts as met (the person
        may be in either case), unless its question is never asked in this situation: a spouse moving in is
        not asked where a talent will live, so the collective household's consent is not theirs to bring. Nor
        does an answer to such a question count (told before the answer it waited on ruled it out)."""
        never_asked = {q.id for q in self.situations if not matches(q.ask_if, answers, unknown_matches=True)}
        return [m for m in self.materials if m.applies(answers) and not never_asked & m.when.keys()]


@dataclass(frozen=True)
class Place:
    """A prefecture-level city or a county-level division of Zhejiang."""

    code: str
    name: str
    city_code: str
    aliases: tuple[str, ...] = ()

    @property
    def is_city(self) -> bool:
        """True for a prefecture-level city."""
        return self.code == self.city_code


@dataclass(frozen=True)
class Office:
    """A service hall."""

    id: str
    name: str
    kind: str
    place: str
    address: str | None
    window: str
    hours: str | None
    phone: str | None
    verified: bool
    source: str
    also_kinds: tuple[str, ...] = ()
    also_places: tuple[str, ...] = ()
    booking: str | None = None
    location: tuple[float, float] | None = None  # (lng, lat) in GCJ-02, as map services in China use
    source_url: str | None = None
    checked: str | None = None
    checked_by: str | None = None

    def serves(self, kind: str, place_code: str) -> bool:
        """Whether the hall handles this kind of affair for this district or city."""
        return kind in (self.kind, *self.also_kinds) and place_code in (self.place, *self.also_places)


def matches(conditions: Conditions, answers: dict[str, str], unknown_matches: bool) -> bool:
    """Whether answers satisfy conditions (question id -> allowed values)."""
    for question_id, allowed in conditions.items():
        if question_id not in answers:
            if not unknown_matches:
                return False
            continue
        if answers[question_id] not in allowed:
            return False
    return True


def as_conditions(raw: dict[str, Any] | None) -> Conditions:
    """Normalise `when`/`ask_if` values to lists of strings."""
    return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in (raw or {}).items()}


def affair_from_record(record: dict[str, Any]) -> Affair:
    """Build an Affair from a validated knowledge record."""
    questions = tuple(
        Question(id=q["id"], ask=q["ask"], ask_if=as_conditions(q.get("ask_if")), preference=q.get("preference", ""),
                 options=tuple(Option(o["value"], o["label"], tuple(o.get("hints") or ()),
                                      tuple(o.get("examples") or ()), o.get("notice", "")) for o in q["options"]))
        for q in record.get("situations") or ()
    )
    materials = tuple(
        Material(name=m["name"], form=m["form"], count=int(m["count"]), medium=m.get("medium", "paper"),
                 source=m.get("source", ""), notes=m.get("notes", ""), exempt=bool(m.get("exempt", False)),
                 exempt_reason=m.get("exempt_reason", ""), when=as_conditions(m.get("when")),
                 part=m.get("part"))
        for m in record.get("materials") or ()
    )
    return Affair(
        id=record["id"], code=record["code"], name=record["name"], short_name=record["short_name"],
        department=record["department"], level=record["level"], type=record["type"], scope=record["scope"],
        aliases=tuple(record.get("aliases") or ()), keywords=tuple(record.get("keywords") or ()),
        questions=tuple(record.get("questions") or ()), conditions=tuple(record.get("conditions") or ()),
        office_kinds=tuple(record["office_kinds"]), situations=questions, materials=materials,
        time_limit=dict(record["time_limit"]), fee=dict(record["fee"]), online=dict(record["online"]),
        visits=int(record["visits"]), in_person=record.get("in_person", ""),
        post_delivery=bool(record["post_delivery"]), legal_basis=tuple(record["legal_basis"]),
        parts=tuple(record.get("parts") or ()), notes=tuple(record.get("notes") or ()),
        source=record["source"], checked=record.get("checked"), verified=bool(record.get("verified", False)),
        source_url=record.get("source_url"), checked_by=record.get("checked_by"),
        implies=tuple(Implication({str(k): str(v) for k, v in i["answers"].items()}, as_conditions(i.get("when")))
                      for i in record.get("implies") or ()),
        issued_within={str(i["material"]): str(i["by"]) for i in record.get("issued_within") or ()},
        fee_cases=tuple(SituationValue(c["amount"], c.get("note", ""), as_conditions(c["when"]))
                        for c in record["fee"].get("cases") or ()),
        visits_cases=tuple(SituationValue(c["visits"], c.get("note", ""), as_conditions(c["when"]))
                           for c in record.get("visits_cases") or ()),
        parts_when={str(p): as_conditions(c) for p, c in (record.get("parts_when") or {}).items()},
        same_material=tuple(SameMaterial(str(m["name"]), frozenset(map(str, m["materials"])), m.get("notes", ""))
                            for m in record.get("same_material") or ()),
    )
