"""The extractor: spaCy's blank Chinese pipeline (one token a character) with one EntityRuler.

The ruler holds the generated district patterns (`bot.entities.places`) and the fixed-format patterns
(`bot.entities.rules`). Text is folded first (full-width to half-width, upper case; same length, so
offsets stay those of the original). Each span the ruler proposes is checked and given its canonical
value before overlaps are resolved the EntityRuler's way (longest first, then leftmost); a city and a
county of that city written together (杭州市西湖区, 宁波鄞州) become one district, the county.

Building the pipeline takes about a second; `default_extractor()` builds it once per process, when
first needed, and again only when the generated patterns file changes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.entities import rules
from bot.entities.formats import fold
from bot.entities.kinds import CASE_NUMBER, DISTRICT, Entity
from bot.entities.places import PATTERNS_FILE, PlacePattern, read_patterns

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import EntityRuler


def _blank_chinese() -> Language:
    """``spacy.blank("zh")`` with character segmentation (no jieba, no pkuseg, no model download).

    spaCy's numeric backend (thinc) imports TensorFlow when it can, which costs seconds and is of no
    use to a rule-based pipeline; unless TensorFlow is already loaded (as in the Rasa server), it is
    hidden while spaCy is first imported.
    """
    hide = "tensorflow" not in sys.modules and "spacy" not in sys.modules
    if hide:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail
    try:
        import spacy
    finally:
        if hide:
            del sys.modules["tensorflow"]
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    return nlp


class EntityExtractor:
    """Finds every entity kind in a message; see `bot.entities.kinds` for the kinds and their values."""

    def __init__(self, places: Sequence[PlacePattern]) -> None:
        self.places = {p.code: p for p in places if p.pattern == p.name}
        self._nlp = _blank_chinese()
        self._ruler: EntityRuler = self._nlp.add_pipe("entity_ruler", config={"validate": True})
        patterns: list[dict[str, Any]] = [
            {"label": DISTRICT, "pattern": fold(p.pattern), "id": p.code} for p in places
        ]
        self._ruler.add_patterns(patterns + rules.fixed_patterns())

    @classmethod
    def from_file(cls, path: Path) -> EntityExtractor:
        """An extractor with the district patterns of a generated file."""
        return cls(read_patterns(path))

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline (tokenizer and entity ruler)."""
        return self._nlp

    def extract(self, text: str, expect: Collection[str] = ()) -> list[Entity]:
        """The entities in `text`, in order, with canonical values and offsets into `text`.

        `expect` names the kinds the assistant has just asked for: a phone tail or query code of an
        expected kind counts without a cue word (the answer to "手机号后四位是？" may be "5803，谢谢").
        """
        folded = fold(text)
        doc = self._nlp.make_doc(folded)
        candidates: dict[tuple[int, int, str], tuple[int, str | int]] = {}
        for match_id, start, end in self._ruler.match(doc):
            kind, _, pattern_id = self._nlp.vocab.strings[match_id].partition(self._ruler.ent_id_sep)
            value = rules.value_of(kind, doc[start:end].text, pattern_id)
            if value is not None:
                candidates[(start, end, kind)] = (match_id, value)

        def fits(start: int, end: int, kind: str, value: str | int, vouched: bool) -> bool:
            span = doc[start:end]
            return rules.fits(kind, folded, span.start_char, span.end_char, value, vouched)

        with_case_number = any(kind == CASE_NUMBER and fits(start, end, kind, value, False)
                               for (start, end, kind), (_, value) in candidates.items())
        kept = [(match_id, start, end) for (start, end, kind), (match_id, value) in candidates.items()
                if fits(start, end, kind, value, vouched=with_case_number or kind in expect)]
        kept.sort(key=lambda m: (m[2] - m[1], -m[1]), reverse=True)
        self._ruler.set_annotations(doc, kept)
        found = [Entity(ent.label_, candidates[(ent.start, ent.end, ent.label_)][1], ent.start_char, ent.end_char,
                        text[ent.start_char:ent.end_char]) for ent in sorted(doc.ents, key=lambda e: e.start)]
        return self._join_city_and_county(text, found)

    def _join_city_and_county(self, text: str, found: list[Entity]) -> list[Entity]:
        """杭州市西湖区, 宁波 鄞州: a city right before one of its counties becomes one entity, the county."""
        joined: list[Entity] = []
        for entity in found:
            previous = joined[-1] if joined else None
            if (previous is not None and previous.kind == entity.kind == DISTRICT
                    and self._city_of(str(entity.value)) == previous.value != entity.value
                    and not text[previous.end:entity.start].strip()):
                joined[-1] = Entity(DISTRICT, entity.value, previous.start, entity.end,
                                    text[previous.start:entity.end])
            else:
                joined.append(entity)
        return joined

    def _city_of(self, code: str) -> str | None:
        place = self.places.get(code)
        return place.city if place else None


_lock = threading.Lock()
_default: tuple[tuple[Path, int], EntityExtractor] | None = None


def default_extractor(path: Path | None = None) -> EntityExtractor:
    """The process-wide extractor over the project's generated patterns file (or `path`).

    Built on first use and rebuilt when the file changes (after `python -m bot knowledge build`).
    """
    global _default
    from bot.config import PROJECT_ROOT

    target = path or PROJECT_ROOT / PATTERNS_FILE
    key = (target, target.stat().st_mtime_ns)
    with _lock:
        if _default is None or _default[0] != key:
            _default = (key, EntityExtractor.from_file(target))
        return _default[1]


def extract(text: str, expect: Collection[str] = ()) -> list[Entity]:
    """The entities in `text` found by the default extractor (see `EntityExtractor.extract`)."""
    return default_extractor().extract(text, expect)
