"""Hot reload: a load that only adds a phrasing is served at once by an extended resolver, then by a full fit;
any other change is fitted in full in the background while the former catalog answers; background fits run one
at a time, the newest catalog waiting is fitted next and a fit no longer wanted stops early; the knowledge reader
re-parses only what changed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine

from bot.catalog.catalog import Catalog
from bot.catalog.db import engine_for
from bot.catalog.provider import CatalogProvider
from bot.catalog.store import catalog_version
from bot.config import settings
from bot.knowledge.load import KnowledgeInvalid, load_knowledge
from bot.knowledge.source import read_yaml
from bot.resolver import Resolver, ResolverSettings
from bot.resolver.cache import SUFFIX, entry_key
from bot.resolver.cancellation import Cancelled
from tests.trimmed_knowledge import copy_trimmed

# a question the knowledge does not decide: the resolver asks whether 食品经营许可 is meant
QUESTION = "巷口那家早点铺要的那张纸怎么弄"  # a local way of putting it that the resolver does not know yet
AFFAIR = "food-business-license"


def append_phrasing(knowledge: Path, affair: str, text: str) -> None:
    path = knowledge / "phrasings" / f"{affair}.yml"
    path.write_text(path.read_text(encoding="utf-8") + f"  - {text}\n", encoding="utf-8")


AnyProvider = TypeVar("AnyProvider", bound=CatalogProvider)


def checking_every_call(engine: Engine) -> CatalogProvider:
    """A provider that checks the database version on every call."""
    return CatalogProvider(engine, interval=0)


def loaded(knowledge: Path, tmp_path: Path,
           provider: Callable[[Engine], AnyProvider] = checking_every_call) -> tuple[Engine, AnyProvider]:
    """A fresh catalog database with the knowledge loaded, and a provider made by `provider` (by default one that
    checks the database on every call)."""
    engine = engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    load_knowledge(knowledge, engine)
    return engine, provider(engine)


class GatedProvider(CatalogProvider):
    """A provider whose fits wait until `gate` is open: the test decides when a fit in flight ends (on a fast
    machine a trimmed fit could end before the test looks). It notes the catalog version of every fit begun and
    of every fit that ended with a resolver, and the most fits ever in flight at once."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, interval=0)
        self.gate = threading.Event()
        self.gate.set()
        self.at_gate = threading.Event()  # set when a fit waits at the closed gate
        self.begun: list[str] = []
        self.ended: list[str] = []
        self.most_in_flight = 0
        self._in_flight = 0
        self._counting = threading.Lock()

    def _fit(self, catalog: Catalog, **options: Cancelled) -> Resolver:
        """The provider's fit, counted, once the gate is open; `options` as the provider passes them."""
        with self._counting:
            self.begun.append(catalog.version)
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            if not self.gate.is_set():
                self.at_gate.set()
            assert self.gate.wait(timeout=120), "the gate of a fit was never opened"
            resolver = super()._fit(catalog, **options)
            self.ended.append(catalog.version)
            return resolver
        finally:
            with self._counting:
                self._in_flight -= 1


class HeldMidFitProvider(GatedProvider):
    """A gated provider whose background fits (those handed a cancellation check) also pause at their second
    check, past segmenting and before the word models, while `mid_fit` is closed. It notes each check's answer."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.mid_fit = threading.Event()
        self.mid_fit.set()
        self.paused = threading.Event()  # set when a fit waits at the closed mid-fit gate
        self.answers: dict[str, list[bool]] = {}

    def _fit(self, catalog: Catalog, **options: Cancelled) -> Resolver:
        if "cancelled" in options:
            options["cancelled"] = self._held(catalog.version, options["cancelled"])
        return super()._fit(catalog, **options)

    def _held(self, version: str, cancelled: Cancelled) -> Cancelled:
        """The fit's cancellation check, pausing at its second call and noting every answer."""
        answers = self.answers.setdefault(version, [])

        def check() -> bool:
            if len(answers) == 1 and not self.mid_fit.is_set():
                self.paused.set()
                assert self.mid_fit.wait(timeout=120), "the mid-fit gate was never opened"
            answers.append(cancelled())
            return answers[-1]
        return check


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The knowledge with fewer written questions: these tests fit it many times, and test how a reload is served."""
    return copy_trimmed(tmp_path_factory.mktemp("reload") / "knowledge")


def test_a_new_phrasing_is_served_by_an_extended_resolver_then_by_a_full_fit(knowledge: Path,
                                                                             tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path)
    before = provider.current()
    assert not before.resolver.extended
    assert before.resolver.resolve(QUESTION).affair != AFFAIR

    append_phrasing(knowledge, AFFAIR, QUESTION)
    load_knowledge(knowledge, engine)
    quick = provider.current()
    assert quick.catalog.version != before.catalog.version
    assert quick.resolver.extended  # the vocabulary and models of `before`, with the new text indexed
    assert quick.resolver.ranker is before.resolver.ranker
    assert quick.resolver.resolve(QUESTION).affair == AFFAIR
    assert before.resolver.resolve(QUESTION).affair != AFFAIR  # the old snapshot is left as it was

    provider.wait_for_refit(timeout=600)
    fitted = provider.current()
    assert fitted.catalog is quick.catalog and not fitted.resolver.extended
    assert fitted.resolver.resolve(QUESTION).affair == AFFAIR


def test_a_typical_question_decides_its_affair_word_for_word_only(knowledge: Path, tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    text = "巷子口想摆个早点铺子先要办哪个证呢"
    append_phrasing(knowledge, AFFAIR, text)
    load_knowledge(knowledge, engine)
    resolver = CatalogProvider(engine, interval=0).current().resolver
    assert resolver.resolve(text).affair == AFFAIR
    assert resolver.resolve(f"{text}？").affair == AFFAIR  # punctuation and width do not matter
    assert resolver.ranking(text + "要多久").typical is False  # any other wording goes through the ranker


def test_any_other_change_is_fitted_in_background_while_the_former_catalog_answers(knowledge: Path,
                                                                                  tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path, GatedProvider)
    before = provider.current()
    lexicon = knowledge / "lexicon.yml"
    original = lexicon.read_text(encoding="utf-8")
    provider.gate.clear()  # the fits started from here on wait for the test
    try:
        lexicon.write_text(original.replace("synonyms:\n", "synonyms:\n  - canonical: 食品经营许可证\n"
                                                               "    words: [摆摊证]\n", 1), encoding="utf-8")
        load_knowledge(knowledge, engine)
        assert provider.current() is before  # no turn waits a fit: the former catalog and resolver answer
        affair = edit_first_material_note(knowledge, AFFAIR, "申请书须由负责人本人签字")  # a second load meanwhile
        try:
            load_knowledge(knowledge, engine)
        finally:
            (knowledge / "affairs" / f"{AFFAIR}.yml").write_text(affair, encoding="utf-8")
        assert provider.current() is before
    finally:
        lexicon.write_text(original, encoding="utf-8")
        provider.gate.set()
    provider.wait_for_refit(timeout=600)
    after = provider.current()
    assert after.catalog.version != before.catalog.version  # a lexicon edit alone is a new catalog
    assert after.catalog.lexicon["摆摊证"] == "食品经营许可证"
    assert "申请书须由负责人本人签字" in str(after.catalog.affairs[AFFAIR].materials)  # the newest load: the fit in
    assert not after.resolver.extended and after.resolver.ranker is not before.resolver.ranker  # flight serves it
    assert provider.current() is after  # and nothing else is fitted or awaited


def test_an_umbrella_topic_is_fitted_in_full_and_is_what_makes_the_resolver_ask(knowledge: Path,
                                                                              tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path)
    question = "想问一下户口迁移的手续"  # names the topic only: moving in from outside, or within the province?
    both = ["hukou-move-in", "hukou-move-within"]
    before = provider.current()
    assert sorted(before.resolver.resolve(question).clarify) == both
    umbrellas, two = knowledge / "umbrellas.yml", knowledge / "two_affairs.yml"
    original, original_two = umbrellas.read_text(encoding="utf-8"), two.read_text(encoding="utf-8")
    start = original.index("  - id: hukou-move\n")
    end = original.index("  - id: ", start + 1)
    try:
        umbrellas.write_text(original[:start] + original[end:], encoding="utf-8")
        two.write_text("questions: []\n", encoding="utf-8")  # questions of two affairs would make it ask as well
        load_knowledge(knowledge, engine)
    finally:
        umbrellas.write_text(original, encoding="utf-8")
        two.write_text(original_two, encoding="utf-8")
    assert provider.current().catalog.umbrellas == before.catalog.umbrellas  # the load is seen, fitted meanwhile
    provider.wait_for_refit(timeout=600)
    after = provider.current()
    assert "hukou-move" not in after.catalog.umbrellas and not after.resolver.extended
    assert sorted(after.resolver.resolve(question).clarify) != both


def test_the_reader_sees_every_edit_of_a_file_it_parsed_before(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    root.mkdir()
    path = root / "lexicon.yml"
    path.write_text("words:\n  a: b\n", encoding="utf-8")
    assert read_yaml(path, root).data == {"words": {"a": "b"}}
    path.write_text("words:\n  a: c\n", encoding="utf-8")
    assert read_yaml(path, root).data == {"words": {"a": "c"}}
    path.write_text("words: [a\n", encoding="utf-8")
    broken = read_yaml(path, root)
    assert broken.data is None and broken.problems and broken.problems[0].line >= 1
    path.write_text("words:\n  a: b\n", encoding="utf-8")
    again = read_yaml(path, root)
    assert again.data == {"words": {"a": "b"}} and again.problems == []


def test_a_broken_edit_after_a_good_load_is_refused(knowledge: Path, tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    load_knowledge(knowledge, engine)
    path = knowledge / "phrasings" / f"{AFFAIR}.yml"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "  - [unclosed\n", encoding="utf-8")
        with pytest.raises(KnowledgeInvalid):
            load_knowledge(knowledge, engine)
    finally:
        path.write_text(original, encoding="utf-8")


def edit_first_material_note(knowledge: Path, affair: str, note: str) -> str:
    """Replace the first material's notes of an affair; returns the original file text."""
    path = knowledge / "affairs" / f"{affair}.yml"
    original = path.read_text(encoding="utf-8")
    head, marker, tail = original.partition("    notes: ")
    assert marker, "the affair has a material with notes"
    path.write_text(head + marker + note + "\n" + tail.split("\n", 1)[1], encoding="utf-8")
    return original


def test_a_material_edit_keeps_the_resolver_and_a_refit_in_flight_is_still_served(knowledge: Path,
                                                                                   tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path)
    before = provider.current()
    path = knowledge / "affairs" / f"{AFFAIR}.yml"
    phrasings = knowledge / "phrasings" / f"{AFFAIR}.yml"
    original, original_phrasings = path.read_text(encoding="utf-8"), phrasings.read_text(encoding="utf-8")
    try:
        edit_first_material_note(knowledge, AFFAIR, "申请书须由负责人本人签字")
        load_knowledge(knowledge, engine)
        edited = provider.current()
        assert edited.catalog.version != before.catalog.version
        assert "申请书须由负责人本人签字" in str(edited.catalog.affairs[AFFAIR].materials)
        assert edited.resolver is before.resolver  # understanding did not change: nothing is refitted

        append_phrasing(knowledge, AFFAIR, "巷尾那个卖馄饨的小摊要的那张纸")
        load_knowledge(knowledge, engine)
        assert provider.current().resolver.extended  # the full fit runs in the background ...
        path.write_text(original, encoding="utf-8")  # ... while another material edit comes in
        load_knowledge(knowledge, engine)
        latest = provider.current()
        provider.wait_for_refit(timeout=600)
        served = provider.current()
        assert served.catalog is latest.catalog and not served.resolver.extended  # the refit still lands
    finally:
        path.write_text(original, encoding="utf-8")
        phrasings.write_text(original_phrasings, encoding="utf-8")


def with_synonyms(lexicon: str, words: list[str]) -> str:
    """The lexicon text with one more synonym entry: `words` mean 食品经营许可证 (a change the resolver reads)."""
    entry = f"  - canonical: 食品经营许可证\n    words: [{', '.join(words)}]\n"
    return lexicon.replace("synonyms:\n", "synonyms:\n" + entry, 1)


def load_lexicon(knowledge: Path, engine: Engine, text: str, provider: CatalogProvider) -> str:
    """Write the lexicon, load the knowledge and let the provider see it; returns the loaded catalog version."""
    (knowledge / "lexicon.yml").write_text(text, encoding="utf-8")
    load_knowledge(knowledge, engine)
    provider.current()
    return catalog_version(engine)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Whether the condition came true within `timeout` seconds (checked every tenth of a second)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_edits_made_while_a_fit_runs_leave_only_the_newest_to_fit_next(knowledge: Path, tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path, GatedProvider)
    before = provider.current()
    lexicon = knowledge / "lexicon.yml"
    original = lexicon.read_text(encoding="utf-8")
    provider.gate.clear()
    try:
        first = load_lexicon(knowledge, engine, with_synonyms(original, ["小吃证"]), provider)
        assert provider.at_gate.wait(timeout=60), "the first edit's fit never began"
        load_lexicon(knowledge, engine, with_synonyms(original, ["小吃证", "早点证"]), provider)
        last = load_lexicon(knowledge, engine, with_synonyms(original, ["小吃证", "早点证", "摊位证"]), provider)
        assert provider.current() is before  # the former catalog answers meanwhile
        assert provider.begun == [before.catalog.version, first]  # the later edits wait: no second fit begins
    finally:
        lexicon.write_text(original, encoding="utf-8")
        provider.gate.set()
    provider.wait_for_refit(timeout=600)
    assert provider.begun == [before.catalog.version, first, last]  # the middle edit is never fitted
    assert provider.ended == [before.catalog.version, last]  # the first edit's fit was abandoned
    after = provider.current()
    assert after.catalog.version == last and not after.resolver.extended
    assert {w: after.catalog.lexicon[w] for w in ("小吃证", "早点证", "摊位证")} == dict.fromkeys(
        ("小吃证", "早点证", "摊位证"), "食品经营许可证")


def test_a_fit_made_obsolete_by_a_newer_edit_stops_at_its_next_check_and_is_never_served(
        knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine, provider = loaded(knowledge, tmp_path, HeldMidFitProvider)
    before = provider.current()
    lexicon = knowledge / "lexicon.yml"
    original = lexicon.read_text(encoding="utf-8")
    provider.mid_fit.clear()
    caplog.set_level(logging.INFO)
    try:
        obsolete = load_lexicon(knowledge, engine, with_synonyms(original, ["排档证"]), provider)
        obsolete_catalog = Catalog.from_engine(engine)
        assert wait_until(lambda: provider.paused.is_set() or obsolete in provider.ended, timeout=600)
        assert provider.paused.is_set(), "the fit ran to its end without a check between its stages"
        newest = load_lexicon(knowledge, engine, with_synonyms(original, ["夜宵证"]), provider)
        assert provider.current() is before
    finally:
        lexicon.write_text(original, encoding="utf-8")
        provider.mid_fit.set()
    provider.wait_for_refit(timeout=600)
    assert provider.answers[obsolete] == [False, True]  # wanted at its first check, abandoned at the next
    assert obsolete not in provider.ended and provider.begun[-1] == newest
    after = provider.current()
    assert after.catalog.version == newest and not after.resolver.extended
    assert "排档证" not in after.catalog.lexicon and after.catalog.lexicon["夜宵证"] == "食品经营许可证"
    cache = Path(settings().resolver_cache_dir)  # an abandoned fit is not kept either
    assert not (cache / f"{entry_key(obsolete_catalog, ResolverSettings.from_env())}{SUFFIX}").exists()
    provider_logs = [r for r in caplog.records if r.name == "bot.catalog.provider"]
    assert not [r for r in provider_logs if r.levelno >= logging.WARNING]  # abandoning is no failure


def test_never_two_fits_run_at_once(knowledge: Path, tmp_path: Path) -> None:
    engine, provider = loaded(knowledge, tmp_path, GatedProvider)
    before = provider.current()
    lexicon, phrasings = knowledge / "lexicon.yml", knowledge / "phrasings" / f"{AFFAIR}.yml"
    original, original_phrasings = lexicon.read_text(encoding="utf-8"), phrasings.read_text(encoding="utf-8")
    provider.gate.clear()
    try:
        append_phrasing(knowledge, AFFAIR, "街角那家卤味店开张前要的那张纸")  # served at once, fitted meanwhile
        load_knowledge(knowledge, engine)
        assert provider.current().resolver.extended
        assert provider.at_gate.wait(timeout=60), "the phrasing's fit never began"
        load_lexicon(knowledge, engine, with_synonyms(original, ["卤味证"]), provider)  # needs a fit of its own
        provider.gate.set()
        assert wait_until(lambda: len(provider.begun) == 3, timeout=600), "the lexicon edit was never fitted"
        append_phrasing(knowledge, AFFAIR, "弄堂口那家卤味摊要办的那张纸")  # while that fit runs (or after it)
        last = load_lexicon(knowledge, engine, with_synonyms(original, ["卤味证"]), provider)
    finally:
        lexicon.write_text(original, encoding="utf-8")
        phrasings.write_text(original_phrasings, encoding="utf-8")
        provider.gate.set()
    provider.wait_for_refit(timeout=600)
    assert provider.most_in_flight == 1
    after = provider.current()
    assert after.catalog.version == last and not after.resolver.extended
    assert after.catalog.lexicon["卤味证"] == "食品经营许可证" and before.catalog.lexicon.get("卤味证") is None
    assert "弄堂口那家卤味摊要办的那张纸" in after.catalog.phrasings[AFFAIR]
