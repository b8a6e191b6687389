"""Finding the city or county a person mentions (我在余杭, 杭州市西湖区, 宁波鄞州)."""

from __future__ import annotations

from bot.catalog.catalog import Catalog
from bot.catalog.domain import Place
from bot.entities import DISTRICT, extract


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
