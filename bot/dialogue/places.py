"""Finding the city or county a person mentions (我在余杭, 杭州市西湖区, 宁波鄞州)."""

from __future__ import annotations

import re
from collections import defaultdict

from bot.catalog.catalog import Catalog
from bot.catalog.domain import Place
from bot.entities import DISTRICT, extract
from bot.entities.places import short_place_name

# The province every place of knowledge/places.yml lies in.
PROVINCE = "浙江"
# What the knowledge's lexicon reads every province and large city outside the province as.
OTHER_PROVINCE = "外省"
# A place followed by this, or after the second, says where a hukou is (杭州户口, 安徽的户籍; 户口在宁波, 户口是安徽的,
# 落在温州).
_HUKOU_AFTER = re.compile(r"(?:市|省|的)?(?:户口|户籍)")
_HUKOU_BEFORE = re.compile(r"(?:户口|户籍)(?:都|也|还)?(?:是|在)$|落户?(?:在|到)$")
# suffixes a place typed in pinyin may carry (yinzhou qu, ningbo shi), written joined or apart
_PINYIN_SUFFIXES = ("", "qu", "shi", "xian")
_LATIN_WORD = re.compile(r"[a-z]+")


def find_place(catalog: Catalog, text: str) -> Place | None:
    """The most specific place named in the text: a county beats its city; longer names win.

    The districts are read by `bot.entities` (the same extractor the Rasa pipeline uses); places
    the catalog does not know are ignored.
    """
    found: list[tuple[int, int, Place]] = []
    for entity in extract(text):
        place = catalog.places.get(str(entity.value)) if entity.kind == DISTRICT else None
        if place is not None:
            found.append((0 if place.is_city else 1, len(entity.text), place))
    return _most_specific(found)


def place_outside(catalog: Catalog, text: str) -> str | None:
    """The first province or large city outside the province the text names (安徽的, 我在上海), or None."""
    named = [(text.find(word), word) for word, canonical in catalog.lexicon.items()
             if canonical == OTHER_PROVINCE and word != "省外" and word in text]
    return min(named)[1] if named else None


def _outside_spans(catalog: Catalog, text: str) -> list[tuple[int, int, str]]:
    """Where the text names a province or large city outside the province (the lexicon's words of 外省), each span
    read as 外省."""
    return [(m.start(), m.end(), OTHER_PROVINCE) for word, canonical in catalog.lexicon.items()
            if canonical == OTHER_PROVINCE and word for m in re.finditer(re.escape(word), text)]


def places_outside_as_other_province(catalog: Catalog, text: str) -> str:
    """The text with each province or large city outside the province read as 外省 (在上海生的 → 在外省生的)."""
    spans = [span for span in _outside_spans(catalog, text) if text[span[0]:span[1]] != OTHER_PROVINCE]
    return _read_as(text, sorted(spans))


def places_as_province(text: str) -> str:
    """The text with the one place of the province it names read as the province: 我老公是杭州户口 →
    我老公是浙江户口. Two places (从杭州转到宁波) stay as they are: what matters is that both are in it."""
    places = [e for e in extract(text) if e.kind == DISTRICT]
    if len({e.value for e in places}) != 1:
        return text
    return _read_as(text, [(e.start, e.end, PROVINCE) for e in sorted(places, key=lambda e: e.start)])


def hukou_places_as_province(catalog: Catalog, text: str) -> str:
    """The text with each place that says where a hukou is read as the province, or as 外省 for one outside it
    (我们都是杭州户口 → 我们都是浙江户口, 我老公是安徽户口 → 我老公是外省户口). A place said on its own stays: it is
    more often where the person is than where the hukou is."""
    spans = [(e.start, e.end, PROVINCE) for e in extract(text) if e.kind == DISTRICT] + _outside_spans(catalog, text)
    return _read_as(text, [(start, end, read) for start, end, read in sorted(spans)
                           if _HUKOU_AFTER.match(text, end) or _HUKOU_BEFORE.search(text, 0, start)])


def _read_as(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The text with each span (start, end, what it is read as), in order, replaced; a span overlapping an earlier
    one stays."""
    out, last = [], 0
    for start, end, read in spans:
        if start >= last:
            out += [text[last:start], read]
            last = end
    return "".join(out) + text[last:]


def find_place_in_pinyin(catalog: Catalog, text: str) -> Place | None:
    """The place an answer to "which district" types in toneless pinyin (ningbo yinzhou, yuhang qu): a
    name's syllables as whole words, joined or apart. Read only as that answer: elsewhere yiwu is as likely
    义务 as 义乌. A spelling two places share names neither."""
    words = _LATIN_WORD.findall(text.lower())
    spelled = _pinyin_names(catalog)
    found: list[tuple[int, int, Place]] = []
    for start in range(len(words)):
        for end in range(start + 1, min(start + 4, len(words)) + 1):
            places = spelled.get("".join(words[start:end]), [])
            if len(places) == 1:
                found.append((0 if places[0].is_city else 1, end - start, places[0]))
    return _most_specific(found)


def _pinyin_names(catalog: Catalog) -> dict[str, list[Place]]:
    """Each toneless spelling of each place's names (with or without 区, 市, 县) and the places it spells."""
    from pypinyin import Style, lazy_pinyin

    spelled: dict[str, list[Place]] = defaultdict(list)
    for place in catalog.places.values():
        names = {place.name, *place.aliases, short_place_name(place.name)} - {None}
        for name in names:
            spelling = "".join(lazy_pinyin(short_place_name(name) or name, style=Style.NORMAL))
            for suffix in _PINYIN_SUFFIXES:
                key = spelling + suffix
                if place not in spelled[key]:
                    spelled[key].append(place)
    return spelled


def _most_specific(found: list[tuple[int, int, Place]]) -> Place | None:
    """A county beats its city; a county inside a mentioned city first, then the longest mention."""
    if not found:
        return None
    counties = [f for f in found if f[0] == 1]
    cities = {f[2].code for f in found if f[0] == 0}
    if counties:
        # prefer a county inside a mentioned city (宁波的鄞州), then the longest mention
        counties.sort(key=lambda f: (f[2].city_code in cities, f[1]), reverse=True)
        return counties[0][2]
    return max(found, key=lambda f: f[1])[2]


def place_label(catalog: Catalog, place: Place) -> str:
    """杭州市余杭区 for a county, 杭州市 for a city."""
    return place.name if place.is_city else catalog.city_of(place).name + place.name
