"""bot.knowledge.load, bot.catalog.store and the provider's hot reload, on real SQLite files."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from unit_helpers import AFFAIR_IDS, KNOWLEDGE, copy_knowledge

from bot.catalog import tables
from bot.catalog.catalog import Catalog
from bot.catalog.provider import CatalogProvider
from bot.catalog.store import catalog_version
from bot.knowledge.load import KnowledgeInvalid, load_knowledge

OLD_MATERIAL = "居民身份证相片"
NEW_MATERIAL = "居民身份证相片（近三个月内拍摄）"


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every catalog table, in primary-key order."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in tables.metadata.sorted_tables}


def _edit_material(tmp_path):
    root = copy_knowledge(tmp_path)
    path = root / "affairs" / "id-card-reissue.yml"
    text = path.read_text(encoding="utf-8")
    assert f"  - name: {OLD_MATERIAL}\n" in text
    path.write_text(text.replace(f"  - name: {OLD_MATERIAL}\n", f"  - name: {NEW_MATERIAL}\n"), encoding="utf-8")
    return root


def _material_names(catalog: Catalog, affair_id: str) -> list[str]:
    return [m.name for m in catalog.affairs[affair_id].materials]


def test_first_load_into_fresh_file_adds_everything(loaded_db, catalog):
    report = loaded_db.report
    assert report.changed
    assert report.added["affairs"] == AFFAIR_IDS
    assert report.added["offices"] == sorted(o.id for o in catalog.offices)
    assert len(report.added["places"]) == 11 + 90
    assert "330110" in report.added["places"]
    assert report.added["phrasings"] == sorted(["", *AFFAIR_IDS])  # "": the questions that are not ours
    assert len(report.added["two_affairs"]) == len(catalog.two_affairs) >= 200
    assert "户扣" in report.added["lexicon"]
    assert report.added["umbrellas"] == sorted(catalog.umbrellas) and "hukou-move" in catalog.umbrellas
    tables = ("affairs", "offices", "places", "phrasings", "umbrellas", "two_affairs", "lexicon")
    assert report.updated == report.removed == {t: [] for t in tables}
    assert report.unchanged == {t: 0 for t in tables}


def test_loaded_file_reads_back_as_the_same_catalog(loaded_db, fresh_db, catalog):
    from_db = Catalog.from_engine(fresh_db)
    assert from_db.version == catalog_version(fresh_db) is not None
    assert from_db.affairs == catalog.affairs
    assert from_db.places == catalog.places
    assert from_db.offices == catalog.offices
    assert from_db.lexicon["户扣"] == "户口"
    assert from_db.umbrellas == catalog.umbrellas
    moving = from_db.umbrellas["hukou-move"]
    assert moving.affairs == ("hukou-move-in", "hukou-move-within") and len(moving.questions) >= 20


def test_second_load_changes_nothing(fresh_db):
    version = catalog_version(fresh_db)
    before = _rows(fresh_db)
    report = load_knowledge(KNOWLEDGE, fresh_db)
    assert not report.changed
    nothing = {t: [] for t in ("affairs", "offices", "places", "phrasings", "umbrellas", "two_affairs", "lexicon")}
    assert report.added == report.updated == report.removed == nothing
    assert report.unchanged["affairs"] == len(AFFAIR_IDS)
    assert report.unchanged["places"] == 101
    assert catalog_version(fresh_db) == version
    assert _rows(fresh_db) == before


def test_broken_load_raises_and_leaves_database_alone(fresh_db, broken):
    version = catalog_version(fresh_db)
    before = _rows(fresh_db)
    with pytest.raises(KnowledgeInvalid) as raised:
        load_knowledge(broken.root, fresh_db)
    assert raised.value.problems == broken.problems
    assert str(raised.value) == f"{len(broken.problems)} problem(s) in the knowledge"
    assert catalog_version(fresh_db) == version
    assert _rows(fresh_db) == before


def test_edited_material_goes_live_after_reload(tmp_path, fresh_db):
    provider = CatalogProvider(fresh_db, interval=0)
    first = provider.current()
    assert provider.current() is first  # nothing loaded: same snapshot, no rebuild
    assert OLD_MATERIAL in _material_names(first.catalog, "id-card-reissue")

    report = load_knowledge(_edit_material(tmp_path), fresh_db)

    assert report.updated["affairs"] == ["id-card-reissue"]
    assert report.added["affairs"] == [] and report.removed["affairs"] == []
    assert report.unchanged["affairs"] == len(AFFAIR_IDS) - 1
    assert report.updated["offices"] == [] and report.updated["places"] == []
    assert catalog_version(fresh_db) != first.catalog.version

    reread = Catalog.from_engine(fresh_db)
    assert NEW_MATERIAL in _material_names(reread, "id-card-reissue")
    assert OLD_MATERIAL not in _material_names(reread, "id-card-reissue")
    assert reread.version == catalog_version(fresh_db)

    second = provider.current()
    assert second is not first
    assert second.catalog.version == reread.version
    assert NEW_MATERIAL in _material_names(second.catalog, "id-card-reissue")
    assert second.resolver.resolve("身份证丢了怎么补办").affair == "id-card-reissue"


def test_questions_of_two_affairs_read_back_with_their_affairs(tmp_path, fresh_db):
    import shutil

    from bot.catalog.domain import TwoAffairQuestion

    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    fund = ["housing-fund-withdrawal-purchase", "housing-fund-withdrawal-leave", "housing-fund-withdrawal-rent"]
    (root / "two_affairs.yml").write_text(
        "questions:\n"
        "  - question: 身份证丢了，后天要坐车\n    affairs: [id-card-reissue, id-card-temporary]\n"
        f"  - question: 公积金怎么拿出来\n    affairs: [{', '.join(fund)}]\n", encoding="utf-8")
    report = load_knowledge(root, fresh_db)
    assert len(report.added["two_affairs"]) == 2
    assert Catalog.from_engine(fresh_db).two_affairs == (
        TwoAffairQuestion("公积金怎么拿出来", tuple(fund)),  # by question: the order of the file is not kept
        TwoAffairQuestion("身份证丢了，后天要坐车", ("id-card-reissue", "id-card-temporary")))
    (root / "two_affairs.yml").write_text("questions:\n  - question: 公积金怎么拿出来\n"
                                          f"    affairs: [{', '.join(fund[:2])}]\n", encoding="utf-8")
    report = load_knowledge(root, fresh_db)
    assert (len(report.updated["two_affairs"]), len(report.removed["two_affairs"])) == (1, 1)
    assert Catalog.from_engine(fresh_db).two_affairs == (TwoAffairQuestion("公积金怎么拿出来", tuple(fund[:2])),)
