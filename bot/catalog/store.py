"""Writing validated knowledge into the catalog database in one transaction."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.catalog import tables


@dataclass
class LoadReport:
    """What a load changed, per table: ids added, updated and removed."""

    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when anything was added, updated or removed."""
        return any(self.added.values()) or any(self.updated.values()) or any(self.removed.values())


def digest(record: Any) -> str:
    """A stable fingerprint of a record."""
    return hashlib.sha256(json.dumps(record, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _sync(conn: Connection, table: Any, key: str, rows: dict[str, dict[str, Any]], report: LoadReport) -> None:
    """Make `table` hold exactly `rows` (keyed by `key`), touching only what differs."""
    name = table.name
    existing = {r[0]: r[1] for r in conn.execute(select(table.c[key], table.c.digest))}
    report.added[name] = sorted(set(rows) - set(existing))
    report.removed[name] = sorted(set(existing) - set(rows))
    report.updated[name] = sorted(k for k in set(rows) & set(existing) if rows[k]["digest"] != existing[k])
    report.unchanged[name] = len(set(rows) & set(existing)) - len(report.updated[name])
    if report.removed[name]:
        conn.execute(delete(table).where(table.c[key].in_(report.removed[name])))
    for k in report.updated[name]:
        conn.execute(update(table).where(table.c[key] == k).values(**rows[k]))
    if report.added[name]:
        conn.execute(insert(table), [rows[k] for k in report.added[name]])


def _sync_lexicon(conn: Connection, words: dict[str, str], report: LoadReport) -> None:
    """Make the lexicon table hold exactly `words`; a changed word counts as a change of the catalog."""
    name = tables.lexicon.name
    existing = {r.word: r.canonical for r in conn.execute(select(tables.lexicon))}
    report.added[name] = sorted(set(words) - set(existing))
    report.removed[name] = sorted(set(existing) - set(words))
    report.updated[name] = sorted(w for w in set(words) & set(existing) if words[w] != existing[w])
    report.unchanged[name] = len(set(words) & set(existing)) - len(report.updated[name])
    if existing != words:
        conn.execute(delete(tables.lexicon))
        if words:
            conn.execute(insert(tables.lexicon), [{"word": w, "canonical": c} for w, c in words.items()])


def store_knowledge(engine: Engine, affairs: list[dict[str, Any]], places: dict[str, Any],
                    offices: list[dict[str, Any]], lexicon: dict[str, Any],
                    phrasings: dict[str, list[str]] | None = None,
                    umbrellas: list[dict[str, Any]] | None = None,
                    two_affairs: list[dict[str, Any]] | None = None) -> LoadReport:
    """Replace the catalog with the given records atomically; bump the version when anything changed."""
    report = LoadReport()
    affair_rows = {a["id"]: {"id": a["id"], "code": a["code"], "name": a["name"], "short_name": a["short_name"],
                             "department": a["department"], "record": a, "digest": digest(a)} for a in affairs}
    office_rows = {o["id"]: {"id": o["id"], "kind": o["kind"], "place": o["place"], "record": o,
                             "digest": digest(o)} for o in offices}
    place_rows: dict[str, dict[str, Any]] = {}
    for city in places.get("cities", []):
        for item in [city, *city.get("counties", [])]:
            row = {"code": item["code"], "name": item["name"], "city_code": city["code"],
                   "aliases": list(item.get("aliases") or [])}
            place_rows[item["code"]] = {**row, "digest": digest(row)}
    phrasing_rows = {affair: {"affair": affair, "texts": texts, "digest": digest(texts)}
                     for affair, texts in (phrasings or {}).items()}
    umbrella_rows = {u["id"]: {"id": u["id"], "record": u, "digest": digest(u)} for u in umbrellas or []}
    two_affair_rows = {digest(q["question"]): {"id": digest(q["question"]), "record": q, "digest": digest(q)}
                       for q in two_affairs or []}
    words = {w: s["canonical"] for s in lexicon.get("synonyms", []) for w in s["words"]}
    words.update({w: "" for w in lexicon.get("stopwords", [])})
    words.update({w: tables.VAGUE for w in lexicon.get("vague", [])})
    with engine.begin() as conn:
        _sync(conn, tables.affairs, "id", affair_rows, report)
        _sync(conn, tables.offices, "id", office_rows, report)
        _sync(conn, tables.places, "code", place_rows, report)
        _sync(conn, tables.phrasings, "affair", phrasing_rows, report)
        _sync(conn, tables.umbrellas, "id", umbrella_rows, report)
        _sync(conn, tables.two_affairs, "id", two_affair_rows, report)
        _sync_lexicon(conn, words, report)
        if report.changed or _version(conn) is None:
            _set_version(conn, f"{time.time():.6f}")
    return report


def _version(conn: Connection) -> str | None:
    return conn.execute(select(tables.catalog_meta.c.value).where(tables.catalog_meta.c.key == "version")).scalar()


def _set_version(conn: Connection, value: str) -> None:
    if _version(conn) is None:
        conn.execute(insert(tables.catalog_meta).values(key="version", value=value))
    else:
        conn.execute(update(tables.catalog_meta).where(tables.catalog_meta.c.key == "version").values(value=value))


def catalog_version(engine: Engine) -> str | None:
    """The version stamp of the loaded catalog (changes on every load that changes something)."""
    with engine.connect() as conn:
        return _version(conn)
