"""The maintainers' loop: a question placed from the console is in the knowledge, loaded, and decided by the
resolver on the reloaded catalog; a placement the validation refuses leaves every file as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from console_helpers import Catalog, Console, ConsoleFactory
from sqlalchemy import select

from bot.catalog.catalog import Catalog as CatalogSnapshot
from bot.catalog.db import engine_for as catalog_engine_for
from bot.catalog.domain import OUT_OF_SCOPE
from bot.catalog.provider import CatalogProvider
from bot.catalog.store import catalog_version
from bot.config import PROJECT_ROOT
from bot.console import store
from bot.console.maintain import Maintainer
from bot.console.ratings import UNRESOLVED, count_question
from bot.evaluation import read_labelled, score
from bot.knowledge.load import load_knowledge
from tests.trimmed_knowledge import copy_trimmed

QUESTION = "巷口那家早点铺要的那张纸怎么弄"  # a local way of putting it that the assistant does not know yet
AFFAIR = "food-business-license"
OUTSIDE = "小区停车位被别人占了找谁投诉"


def test_assign_then_resolve_on_the_reloaded_catalog(tmp_path: Path, start_console: ConsoleFactory) -> None:
    knowledge = copy_trimmed(tmp_path / "knowledge")  # a placement is fitted in full, in seconds
    url = f"sqlite:///{tmp_path / 'loop-catalog.db'}"
    load_knowledge(knowledge, catalog_engine_for(url))
    version = catalog_version(catalog_engine_for(url))
    before = CatalogProvider(catalog_engine_for(url), interval=0).current()
    assert before.resolver.resolve(QUESTION).affair != AFFAIR  # the same knowledge, before
    console = start_console(f"sqlite:///{tmp_path / 'console.db'}", knowledge_dir=knowledge,
                            catalog_database_url=url)
    with console.services.engine.begin() as conn:
        count_question(conn, UNRESOLVED, QUESTION, 1.0)
    phrasings = knowledge / "phrasings" / f"{AFFAIR}.yml"
    original = phrasings.read_text(encoding="utf-8")

    placed = console.maintainer.post("/api/maintain/assign", {"question": QUESTION, "affair": AFFAIR})
    assert placed.status_code == 200, placed.text
    assert placed.json() | {"problems": []} == {"ok": True, "kind": "assigned", "question": QUESTION,
                                                "target": AFFAIR, "file": f"knowledge/phrasings/{AFFAIR}.yml",
                                                "problems": [], "changed": True}
    assert phrasings.read_text(encoding="utf-8") == original + f"  - {QUESTION}\n"  # comments and layout kept
    assert catalog_version(catalog_engine_for(url)) != version

    reloaded = CatalogProvider(catalog_engine_for(url), interval=0).current()  # what the assistant reloads
    assert QUESTION in reloaded.catalog.phrasings[AFFAIR]
    assert reloaded.resolver.resolve(QUESTION).affair == AFFAIR

    regression = tmp_path / "regression" / "maintainers.tsv"
    rows = read_labelled(regression)
    assert [(r.text, r.expect) for r in rows] == [(QUESTION, AFFAIR)]
    assert score(rows, reloaded.resolver.resolve, "maintainers").counts["right"] == 1

    listed = console.maintainer.get("/api/analytics/questions", status="assigned").json()["questions"]
    assert [(q["text"], q["resolution"], q["handled_by"]) for q in listed] == [(QUESTION, AFFAIR, "maint1")]
    assert console.maintainer.get("/api/analytics/questions").json()["questions"] == []
    audit = console.supervisor.get("/api/audit", action="assign_question").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in audit] == [("maint1", "loaded")]


def test_a_refused_placement_restores_the_file(tmp_path: Path, start_console: ConsoleFactory) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    url = f"sqlite:///{tmp_path / 'loop-catalog.db'}"
    console = start_console(f"sqlite:///{tmp_path / 'console.db'}", knowledge_dir=knowledge,
                            catalog_database_url=url)
    passport = knowledge / "phrasings" / "passport.yml"
    before = passport.read_bytes()
    taken = "身份证丢了咋整"  # already a phrasing of id-card-reissue: one sentence cannot mean two affairs

    refused = console.maintainer.post("/api/maintain/assign", {"question": taken, "affair": "passport"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["ok"] is False and passport.read_bytes() == before
    problem = next(p for p in body["problems"] if p["file"] == "knowledge/phrasings/passport.yml")
    assert problem["line"] == before.decode("utf-8").count("\n") + 1 and "id-card-reissue" in problem["message"]
    assert "passport.yml:" in body["error"]
    assert catalog_version(catalog_engine_for(url)) is None  # nothing was loaded
    assert not (tmp_path / "regression" / "maintainers.tsv").exists()

    for bad, status in (({"question": "证", "affair": "passport"}, 400),
                        ({"question": "护照怎么办", "affair": "no-such-affair"}, 404),
                        ({"question": "护照怎么办", "affair": "../affairs/passport"}, 400),
                        ({"question": "护照怎么办", "topic": ""}, 400)):
        path = "/api/maintain/out-of-scope" if "topic" in bad else "/api/maintain/assign"
        assert console.maintainer.post(path, bad).status_code == status
    assert passport.read_bytes() == before

    outside = knowledge / "out_of_scope.yml"
    kept = outside.read_text(encoding="utf-8")
    marked = console.maintainer.post("/api/maintain/out-of-scope", {"question": OUTSIDE, "topic": "物业和邻里"})
    assert marked.status_code == 200 and marked.json()["ok"]
    text = outside.read_text(encoding="utf-8")
    assert text.startswith(kept) and text[len(kept):] == f"  - topic: 物业和邻里\n    questions:\n      - {OUTSIDE}\n"
    assert "物业和邻里" in console.maintainer.get("/api/maintain/topics").json()["topics"]
    assert OUTSIDE in CatalogSnapshot.from_engine(catalog_engine_for(url)).phrasings[OUT_OF_SCOPE]
    assert read_labelled(tmp_path / "regression" / "maintainers.tsv")[0].expect == "-"
    with console.services.engine.connect() as conn:
        assert conn.execute(select(store.audit.c.action)).scalars().all() == ["mark_out_of_scope"]


SHARED = "落户口换个城市"  # a move of hukou that does not say from where: one of two affairs, not a newborn's


def test_a_question_placed_under_a_shared_topic_is_then_asked_about(tmp_path: Path, catalog: Catalog,
                                                                    start_console: ConsoleFactory) -> None:
    """Where a question fits several affairs, the maintainer places it under the topic they share, and the
    assistant then asks which one is meant instead of guessing."""
    between = {"hukou-move-in", "hukou-move-within"}
    before = catalog.snapshot.resolver.resolve(SHARED)
    assert set(before.clarify) != between  # the same knowledge, before: a guess
    knowledge, url, console = _loop_console(tmp_path, start_console, SHARED)
    listed = console.maintainer.get("/api/maintain/umbrellas").json()["umbrellas"]
    assert {"id": "hukou-move", "topic": "户口迁移", "affairs": sorted(between)} in listed
    umbrellas = knowledge / "umbrellas.yml"
    original = umbrellas.read_text(encoding="utf-8")

    for bad, status in (({"question": SHARED, "umbrella": "no-such-topic"}, 404),
                        ({"question": SHARED, "umbrella": "../out_of_scope"}, 400),
                        ({"question": "户", "umbrella": "hukou-move"}, 400)):
        assert console.maintainer.post("/api/maintain/umbrella", bad).status_code == status
    assert umbrellas.read_text(encoding="utf-8") == original

    placed = console.maintainer.post("/api/maintain/umbrella", {"question": SHARED, "umbrella": "hukou-move"})
    assert placed.status_code == 200, placed.text
    assert placed.json() | {"problems": []} == {"ok": True, "kind": "umbrella", "question": SHARED,
                                                "target": "hukou-move", "file": "knowledge/umbrellas.yml",
                                                "problems": [], "changed": True}
    edited = umbrellas.read_text(encoding="utf-8")
    assert edited != original and edited.count(f"- {SHARED}\n") == 1
    assert edited.replace(f"      - {SHARED}\n", "", 1) == original  # one line added, comments and layout kept

    reloaded = CatalogProvider(catalog_engine_for(url), interval=0).current()
    asked = reloaded.resolver.resolve(SHARED)
    assert asked.affair is None and set(asked.clarify) == between
    rows = read_labelled(tmp_path / "regression" / "maintainers.tsv")
    assert [(r.text, r.expect) for r in rows] == [(SHARED, "?hukou-move-in|hukou-move-within")]
    assert score(rows, reloaded.resolver.resolve, "maintainers").counts["right"] == 1
    handled = console.maintainer.get("/api/analytics/questions", status="umbrella").json()["questions"]
    assert [(q["text"], q["resolution"]) for q in handled] == [(SHARED, "hukou-move")]
    audit = console.supervisor.get("/api/audit", action="ask_between").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in audit] == [("maint1", "loaded")]


def _loop_console(tmp_path: Path, start_console: ConsoleFactory, question: str) -> tuple[Path, str, Console]:
    """A console over its own copy of the knowledge and its own catalog database, with the question counted as
    unresolved: the knowledge folder, the catalog's database URL and the console. The copy has fewer phrasings
    (`copy_trimmed`): a placement is fitted in full, in seconds."""
    knowledge = copy_trimmed(tmp_path / "knowledge")
    url = f"sqlite:///{tmp_path / 'loop-catalog.db'}"
    console = start_console(f"sqlite:///{tmp_path / 'console.db'}", knowledge_dir=knowledge,
                            catalog_database_url=url)
    with console.services.engine.begin() as conn:
        count_question(conn, UNRESOLVED, question, 1.0)
    return knowledge, url, console


def _placer(tmp_path: Path) -> Maintainer:
    """A maintainer over its own copy of the knowledge, loaded into its own catalog."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    catalog = catalog_engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    load_knowledge(knowledge, catalog)
    return Maintainer(knowledge, lambda: catalog, store.engine_for(f"sqlite:///{tmp_path / 'console.db'}"),
                      tmp_path / "regression.tsv")


def test_a_question_placed_where_it_already_is_writes_nothing_and_is_not_refused(tmp_path: Path) -> None:
    placer = _placer(tmp_path)
    root = placer.root
    files = {p: p.read_bytes() for p in [root / "out_of_scope.yml", root / "umbrellas.yml",
                                         root / "phrasings" / f"{AFFAIR}.yml"]}
    outside = yaml.safe_load(files[root / "out_of_scope.yml"])["topics"][0]
    umbrella = yaml.safe_load(files[root / "umbrellas.yml"])["umbrellas"][0]
    phrasing = yaml.safe_load(files[root / "phrasings" / f"{AFFAIR}.yml"])["phrasings"][0]
    placed = [placer.mark_out_of_scope(outside["questions"][0], outside["topic"], "维护员"),
              placer.ask_between(umbrella["questions"][0], umbrella["id"], "维护员"),
              placer.assign(phrasing, AFFAIR, "维护员")]
    assert [(o.ok, o.changed, o.problems) for o in placed] == [(True, False, [])] * 3
    assert {p: p.read_bytes() for p in files} == files

    first = placer.assign(QUESTION, AFFAIR, "维护员")
    grown = (root / "phrasings" / f"{AFFAIR}.yml").read_bytes()
    assert (first.ok, first.changed) == (True, True)
    assert grown == files[root / "phrasings" / f"{AFFAIR}.yml"] + f"  - {QUESTION}\n".encode()
    again = placer.assign(QUESTION, AFFAIR, "维护员")
    assert (again.ok, again.changed, again.problems) == (True, False, [])
    assert (root / "phrasings" / f"{AFFAIR}.yml").read_bytes() == grown


SEVERAL = "孩子的出生证上名字写错了还能上户口吗"  # the birth certificate's correction, or the newborn's registration
SEVERAL_AFFAIRS = ["birth-medical-certificate", "hukou-newborn"]


def test_a_question_placed_with_the_affairs_it_concerns_is_then_asked_about(tmp_path: Path, catalog: Catalog,
                                                                           start_console: ConsoleFactory) -> None:
    """Where a question concerns two affairs that share no topic, the maintainer names both, and the assistant
    then asks which one is meant instead of deciding one."""
    before = catalog.snapshot.resolver.resolve(SEVERAL)
    assert not set(SEVERAL_AFFAIRS) <= set(before.clarify)  # the same knowledge, before: one affair decided
    knowledge, url, console = _loop_console(tmp_path, start_console, SEVERAL)
    two = knowledge / "two_affairs.yml"
    original = two.read_text(encoding="utf-8")

    for bad, status in (({"question": SEVERAL, "affairs": ["hukou-newborn"]}, 400),
                        ({"question": SEVERAL, "affairs": ["hukou-newborn", "hukou-newborn"]}, 400),
                        ({"question": SEVERAL, "affairs": "hukou-newborn|birth-medical-certificate"}, 400),
                        ({"question": SEVERAL, "affairs": ["hukou-newborn", "../affairs/passport"]}, 400),
                        ({"question": SEVERAL, "affairs": ["hukou-newborn", "no-such-affair"]}, 404),
                        ({"question": SEVERAL, "affairs": [f"a{k}" for k in range(6)]}, 400),
                        ({"question": "户", "affairs": SEVERAL_AFFAIRS}, 400)):
        assert console.maintainer.post("/api/maintain/two-affairs", bad).status_code == status, bad
    assert two.read_text(encoding="utf-8") == original

    placed = console.maintainer.post("/api/maintain/two-affairs", {"question": SEVERAL, "affairs": SEVERAL_AFFAIRS})
    assert placed.status_code == 200, placed.text
    target = "|".join(SEVERAL_AFFAIRS)
    assert placed.json() | {"problems": []} == {"ok": True, "kind": "two_affairs", "question": SEVERAL,
                                                "target": target, "file": "knowledge/two_affairs.yml",
                                                "problems": [], "changed": True}
    added = f"  - question: {SEVERAL}\n    affairs: [{', '.join(SEVERAL_AFFAIRS)}]\n"
    assert two.read_text(encoding="utf-8") == original + added  # comments and layout kept

    reloaded = CatalogProvider(catalog_engine_for(url), interval=0).current()
    asked = reloaded.resolver.resolve(SEVERAL)
    assert asked.affair is None and set(asked.clarify) == set(SEVERAL_AFFAIRS)
    rows = read_labelled(tmp_path / "regression" / "maintainers.tsv")
    assert [(r.text, r.expect) for r in rows] == [(SEVERAL, "?" + target)]
    assert score(rows, reloaded.resolver.resolve, "maintainers").counts["right"] == 1
    handled = console.maintainer.get("/api/analytics/questions", status="two_affairs").json()["questions"]
    assert [(q["text"], q["resolution"]) for q in handled] == [(SEVERAL, target)]
    audit = console.supervisor.get("/api/audit", action="two_affairs").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in audit] == [("maint1", "loaded")]

    again = console.maintainer.post("/api/maintain/two-affairs", {"question": SEVERAL, "affairs": SEVERAL_AFFAIRS})
    assert (again.status_code, again.json()["changed"]) == (200, False)
    assert two.read_text(encoding="utf-8") == original + added
    wider = [*SEVERAL_AFFAIRS, "one-thing-birth"]
    console.maintainer.post("/api/maintain/two-affairs", {"question": SEVERAL, "affairs": wider})
    assert two.read_text(encoding="utf-8") == original + added.replace("]\n", ", one-thing-birth]\n")


def test_the_first_question_of_two_affairs_creates_its_file(tmp_path: Path) -> None:
    placer = _placer(tmp_path)
    (placer.root / "two_affairs.yml").unlink()
    placed = placer.between_affairs(SEVERAL, SEVERAL_AFFAIRS, "维护员")
    assert (placed.ok, placed.changed, placed.problems) == (True, True, [])
    written = yaml.safe_load((placer.root / "two_affairs.yml").read_text(encoding="utf-8"))
    assert written == {"questions": [{"question": SEVERAL, "affairs": SEVERAL_AFFAIRS}]}
    taken = yaml.safe_load((PROJECT_ROOT / "knowledge" / "phrasings" / f"{AFFAIR}.yml").read_text(
        encoding="utf-8"))["phrasings"][0]  # a phrasing of one affair cannot also concern two
    refused = placer.between_affairs(taken, SEVERAL_AFFAIRS, "维护员")
    assert not refused.ok and refused.problems[0]["file"] == "knowledge/two_affairs.yml"
    assert yaml.safe_load((placer.root / "two_affairs.yml").read_text(encoding="utf-8")) == written
