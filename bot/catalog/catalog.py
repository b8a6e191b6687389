"""Read-only queries over a loaded catalog snapshot: affairs, situations, materials, offices."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.catalog import tables
from bot.catalog.domain import (
    Affair,
    Material,
    Office,
    Place,
    Question,
    SameMaterial,
    TwoAffairQuestion,
    Umbrella,
    affair_from_record,
    matches,
)

PART_SEPARATOR = "/"


def answer_key(part: str | None, question_id: str) -> str:
    """Where an answer is stored: the question id, prefixed with the part's id for a bundle's part."""
    return question_id if part is None else part + PART_SEPARATOR + question_id


def part_answers(answers: dict[str, str], part: str) -> dict[str, str]:
    """A bundle's answers that belong to one part, keyed by that part's own question ids."""
    prefix = part + PART_SEPARATOR
    return {k[len(prefix):]: v for k, v in answers.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class PendingQuestion:
    """A situation question still to ask; `key` is where its answer is stored."""

    key: str
    question: Question
    part: str | None = None


@dataclass(frozen=True)
class MaterialLine:
    """A material in an answer; for bundles, the parts that need it."""

    material: Material
    parts: tuple[str, ...] = ()
    count: int = 1


@dataclass(frozen=True)
class OfficeMatch:
    """The hall for an affair in a place, and whether it is the person's own district's."""

    office: Office
    place: Place
    own_district: bool


@dataclass
class Catalog:
    """An in-memory snapshot of the catalog database."""

    version: str | None
    affairs: dict[str, Affair] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    offices: list[Office] = field(default_factory=list)
    lexicon: dict[str, str] = field(default_factory=dict)
    phrasings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    umbrellas: dict[str, Umbrella] = field(default_factory=dict)
    two_affairs: tuple[TwoAffairQuestion, ...] = ()  # questions of two affairs or more, by question

    @classmethod
    def from_engine(cls, engine: Engine) -> Catalog:
        """Read everything in one transaction."""
        with engine.connect() as conn:
            version = conn.execute(
                select(tables.catalog_meta.c.value).where(tables.catalog_meta.c.key == "version")).scalar()
            affairs = {r.id: affair_from_record(r.record) for r in conn.execute(select(tables.affairs))}
            places = {r.code: Place(r.code, r.name, r.city_code, tuple(r.aliases))
                      for r in conn.execute(select(tables.places))}
            offices = [_office(r.record) for r in conn.execute(select(tables.offices).order_by(tables.offices.c.id))]
            lexicon = {r.word: r.canonical for r in conn.execute(select(tables.lexicon))}
            phrasings = {r.affair: tuple(r.texts) for r in conn.execute(select(tables.phrasings))}
            umbrellas = {r.id: _umbrella(r.record) for r in conn.execute(select(tables.umbrellas))}
            two_affairs = tuple(sorted((TwoAffairQuestion(str(r.record["question"]), tuple(r.record["affairs"]))
                                        for r in conn.execute(select(tables.two_affairs))),
                                       key=lambda q: q.question))
        return cls(version=version, affairs=affairs, places=places, offices=offices, lexicon=lexicon,
                   phrasings=phrasings, umbrellas=umbrellas, two_affairs=two_affairs)

    def differs_only_in_phrasings(self, other: Catalog) -> bool:
        """Whether the two hold the same affairs, places, halls, lexicon, umbrella topics and questions of two affairs
        (the phrasings may differ)."""
        return (self.affairs == other.affairs and self.places == other.places and self.offices == other.offices
                and self.lexicon == other.lexicon and self.umbrellas == other.umbrellas
                and self.two_affairs == other.two_affairs)

    def resolver_inputs(self) -> tuple:
        """Everything the resolver reads: two catalogs with equal inputs can share one resolver (an edit to
        materials, fees or halls leaves understanding as it was)."""
        affairs = tuple((a.id, a.name, a.short_name, tuple(a.aliases), tuple(a.keywords), tuple(a.questions),
                         a.scope, tuple(a.parts)) for a in sorted(self.affairs.values(), key=lambda a: a.id))
        phrasings = tuple(sorted((k, tuple(v)) for k, v in self.phrasings.items()))
        places = tuple(sorted((p.name, tuple(p.aliases)) for p in self.places.values()))
        umbrellas = tuple(sorted((u.id, u.affairs, u.questions) for u in self.umbrellas.values()))
        return affairs, phrasings, places, tuple(sorted(self.lexicon.items())), umbrellas, self.two_affairs

    def affair(self, affair_id: str | None) -> Affair | None:
        """The affair with this id, or None."""
        return self.affairs.get(affair_id or "")

    def parts_of(self, affair: Affair, answers: dict[str, str] | None = None) -> list[Affair]:
        """The part affairs of a bundle (empty for a plain affair); with `answers`, those done in that situation
        (a part whose `parts_when` the answers contradict is left out; an unanswered condition keeps it: see
        `told_not_asked`)."""
        known = self.with_implied(affair, answers) if answers is not None else {}
        return [self.affairs[p] for p in affair.parts if p in self.affairs
                and matches(affair.parts_when.get(p, {}), known, unknown_matches=True)]

    def with_implied(self, affair: Affair, answers: dict[str, str]) -> dict[str, str]:
        """The answers given plus those the affair implies (a bundle's own facts, or earlier answers)."""
        known = dict(answers)
        for _ in range(2):  # an implied answer may itself imply another
            for implication in affair.implies:
                if matches(implication.when, known, unknown_matches=False):
                    known.update({k: v for k, v in implication.answers.items() if k not in known})
        return known

    def pending_questions(self, affair: Affair, answers: dict[str, str]) -> list[PendingQuestion]:
        """Situation questions still unanswered whose answer changes the materials, in order.

        Implied answers are not asked, nor are preferences (they are listed in the answer instead).
        """
        answers = self.with_implied(affair, answers)
        pending = _pending(affair, answers, part=None)
        for part in self.parts_of(affair, answers):
            pending += _pending(part, part_answers(answers, part.id), part=part.id)
        return pending

    def waiting_questions(self, affair: Affair, answers: dict[str, str]) -> list[PendingQuestion]:
        """Questions not open yet because an answer they wait for is unknown (the parents' hukou is asked once they
        are known to be married): a message that already answers one (我们都是杭州户口) spares asking it later."""
        answers = self.with_implied(affair, answers)
        waiting = _waiting(affair, answers, part=None)
        for part in self.parts_of(affair, answers):
            waiting += _waiting(part, part_answers(answers, part.id), part=part.id)
        return waiting

    def told_not_asked(self, affair: Affair, answers: dict[str, str]) -> list[PendingQuestion]:
        """A bundle's questions that leave a part out (没有公积金), unanswered: read from what the person says, and
        not asked for that alone (a bundle asks at most four questions; the part is done unless told otherwise)."""
        named = {qid for conditions in affair.parts_when.values() for qid in conditions}
        return [PendingQuestion(q.id, q) for q in affair.situations if q.id in named and q.id not in answers]

    def materials_for(self, affair: Affair, answers: dict[str, str]) -> list[MaterialLine]:
        """Materials for the situation; bundles merge their parts' lists without duplicates."""
        answers = self.with_implied(affair, answers)
        own = [MaterialLine(m, (m.part,) if m.part else (), m.count) for m in affair.materials_applying(answers)]
        if not affair.is_bundle:
            return own
        merged: dict[str, MaterialLine] = {_document(affair, line.material): line for line in own}
        parts = self.parts_of(affair, answers)
        for part in parts:
            scoped = part_answers(answers, part.id)
            for material in part.materials_applying(scoped):
                material = self._issued_within(affair, material, parts)
                document = _document(affair, material)
                line = merged.get(document)
                if line is not None and line.material.exempt != material.exempt:
                    if material.exempt:
                        continue  # brought for one part, so not "need not be provided" for another
                    line = None  # the other way round: the one to bring takes the place of the exempt one
                if line is not None and part.id in line.parts:
                    continue  # two situation variants of one material within the same part
                if line is None:
                    merged[document] = MaterialLine(_as_the_bundle_lists(affair, material), (part.id,),
                                                    material.count)
                else:
                    merged[document] = MaterialLine(line.material, (*line.parts, part.id),
                                                    max(line.count, material.count))
        return list(merged.values())

    def _issued_within(self, bundle: Affair, material: Material, parts: list[Affair]) -> Material:
        """A part's material as the bundle lists it: one that another of its `parts` done in this situation issues
        (the newborn's 出生医学证明) is not brought, and says which part issues it."""
        issuer = self.affairs.get(bundle.issued_within.get(material.name, ""))
        if issuer is None or issuer.id not in {p.id for p in parts} or material.exempt:
            return material
        return replace(material, exempt=True, exempt_reason=f"由本次联办中的【{issuer.name}】出具，无需另带")

    def open_preferences(self, affair: Affair, answers: dict[str, str]) -> list[PendingQuestion]:
        """Preference questions (领卡方式) the person has not answered, for listing their options."""
        answers = self.with_implied(affair, answers)
        found = [PendingQuestion(q.id, q) for q in affair.situations if q.preference and q.id not in answers]
        for part in self.parts_of(affair, answers):
            own = part_answers(answers, part.id)
            found += [PendingQuestion(answer_key(part.id, q.id), q, part.id) for q in part.situations
                      if q.preference and q.id not in own]
        return found

    def city_of(self, place: Place) -> Place:
        """The prefecture-level city a place belongs to."""
        return self.places.get(place.city_code, place)

    def office_for(self, affair: Affair, place: Place) -> OfficeMatch | None:
        """The most specific hall for the affair in the place, falling back to the city's."""
        kinds = list(affair.office_kinds)
        for part in self.parts_of(affair):
            kinds += [k for k in part.office_kinds if k not in kinds]
        if "government-service-center" not in kinds:
            kinds.append("government-service-center")
        city = self.city_of(place)
        for kind in kinds:
            for where in (place, city):
                office = next((o for o in self.offices if o.serves(kind, where.code)), None)
                if office is not None:
                    return OfficeMatch(office, where, own_district=where.code == place.code)
        return None


def _same_material(bundle: Affair, material: Material) -> SameMaterial | None:
    """The document of the bundle's `same_material` that a part's material is, or None."""
    return next((same for same in bundle.same_material if material.name in same.materials), None)


def _document(bundle: Affair, material: Material) -> str:
    """The document a material is, by the name the bundle lists it under: one 申请人居民身份证 for the 申报人's,
    申领人's and 申请人's."""
    same = _same_material(bundle, material)
    return same.name if same else material.name


def _as_the_bundle_lists(bundle: Affair, material: Material) -> Material:
    """A part's material to bring under the bundle's name for the document, with the bundle's notes when it has
    them; one the government holds keeps its own name and reason."""
    same = _same_material(bundle, material)
    if same is None or material.exempt:
        return material
    return replace(material, name=same.name, notes=same.notes or material.notes)


def _pending(affair: Affair, answers: dict[str, str], part: str | None) -> list[PendingQuestion]:
    """Unanswered questions that are asked in this situation and decide a material or a later question."""
    gating = {qid for q in affair.situations for qid in q.ask_if}
    gating |= {qid for implication in affair.implies for qid in implication.when}
    result = []
    for question in affair.situations:
        if question.preference or question.id in answers or not matches(question.ask_if, answers,
                                                                          unknown_matches=False):
            continue
        decides = (question.id in gating or any(question.id in c.when for c in affair.situation_cases)
                   or any(question.id in m.when for m in affair.materials if m.applies(answers)))
        if decides:
            result.append(PendingQuestion(answer_key(part, question.id), question, part))
    return result


def _waiting(affair: Affair, answers: dict[str, str], part: str | None) -> list[PendingQuestion]:
    """Unanswered questions whose `ask_if` waits on an answer not given yet (and no answer given rules out)."""
    return [PendingQuestion(answer_key(part, q.id), q, part) for q in affair.situations
            if not q.preference and q.id not in answers and q.ask_if
            and not matches(q.ask_if, answers, unknown_matches=False)
            and matches(q.ask_if, answers, unknown_matches=True)]


def _office(record: dict) -> Office:
    location = record.get("location")
    return Office(id=record["id"], name=record["name"], kind=record["kind"], place=record["place"],
                  address=record.get("address"), window=record.get("window", ""), hours=record.get("hours"),
                  phone=record.get("phone"), verified=bool(record["verified"]), source=record["source"],
                  also_kinds=tuple(record.get("also_kinds") or ()), also_places=tuple(record.get("also_places") or ()),
                  booking=record.get("booking"),
                  location=(float(location["lng"]), float(location["lat"])) if location else None,
                  source_url=record.get("source_url"), checked=record.get("checked"),
                  checked_by=record.get("checked_by"))


def _umbrella(record: dict) -> Umbrella:
    return Umbrella(id=record["id"], topic=record.get("topic", ""), affairs=tuple(record["affairs"]),
                    questions=tuple(record["questions"]))
