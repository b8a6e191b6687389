"""The resolver cache: a fit is kept on disk and loaded by the next process, never for other inputs, and a
damaged entry or an unwritable directory costs a fit, not an answer."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalog.catalog import Catalog
from bot.catalog.db import engine_for
from bot.catalog.domain import OUT_OF_SCOPE
from bot.catalog.provider import CatalogProvider
from bot.knowledge.load import load_knowledge
from bot.resolver import Resolver, ResolverSettings
from bot.resolver.cache import SUFFIX, ResolverCache, configured_cache, entry_key
from tests.trimmed_knowledge import copy_trimmed

# a few affairs with close siblings and typed pinyin, so the cached analyzer's segmentation is exercised
AFFAIRS = ("id-card-reissue", "id-card-renew", "id-card-first", "marriage-registration",
           "marriage-certificate-reissue", "housing-fund-withdrawal-rent")
QUESTIONS = ("身份证丢了怎么补", "身份正过期了咋换", "shenfenzheng diule", "结昏证掉了", "想领证结婚",
             "租房能取公积金吗", "银行卡怎么注销", "我在宁波市")


# of the thousands of out-of-scope questions, enough for the near miss among QUESTIONS to be declined
OUT_OF_SCOPE_KEPT = 300


@pytest.fixture(scope="module")
def small(catalog: Catalog) -> Catalog:
    """The real knowledge cut down to a few affairs, the first out-of-scope questions and no question of two
    affairs: fitted in two or three seconds (these tests fit a dozen times)."""
    phrasings = {k: v for k, v in catalog.phrasings.items() if k in AFFAIRS}
    phrasings[OUT_OF_SCOPE] = catalog.phrasings[OUT_OF_SCOPE][:OUT_OF_SCOPE_KEPT]
    return replace(catalog, affairs={i: catalog.affairs[i] for i in AFFAIRS}, umbrellas={}, two_affairs=(),
                   phrasings=phrasings)


def counted_fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the resolvers fitted from now on (a load from disk constructs none)."""
    fits: list[int] = []
    construct = Resolver.__init__

    def counting(self: Resolver, *args, **kwargs) -> None:
        fits.append(1)
        construct(self, *args, **kwargs)

    monkeypatch.setattr(Resolver, "__init__", counting)
    return fits


def test_a_fit_is_stored_once_and_loaded_with_the_same_answers(small, tmp_path, monkeypatch):
    fits = counted_fits(monkeypatch)
    cache = ResolverCache(tmp_path / "cache")
    fitted = cache.fitted(small, ResolverSettings())
    loaded = cache.fitted(small, ResolverSettings())
    assert fits == [1] and loaded is not fitted
    assert [p.name for p in cache.entries()] == [entry_key(small, ResolverSettings()) + SUFFIX]
    assert oct(cache.directory.stat().st_mode & 0o777) == "0o700"
    for text in QUESTIONS:
        assert loaded.resolve(text).as_json() == fitted.resolve(text).as_json(), text
        assert loaded.analyzer.tokens(text) == fitted.analyzer.tokens(text), text


def test_other_phrasings_or_settings_are_another_entry(small, tmp_path, monkeypatch):
    fits = counted_fits(monkeypatch)
    cache = ResolverCache(tmp_path / "cache")
    cache.fitted(small, ResolverSettings())
    more = dict(small.phrasings)
    more["id-card-reissue"] = (*more["id-card-reissue"], "身份证叫小偷摸走了")
    cache.fitted(replace(small, phrasings=more), ResolverSettings())
    stricter = cache.fitted(small, ResolverSettings(sure=0.6))
    assert fits == [1, 1, 1] and len(cache.entries()) == 3
    assert stricter.settings.sure == 0.6
    # a material, fee or hall edit is not something the resolver reads: the same entry
    cache.fitted(replace(small, offices=[], version="later"), ResolverSettings())
    assert fits == [1, 1, 1]


def test_only_the_newest_entries_are_kept(small, tmp_path):
    cache = ResolverCache(tmp_path / "cache", keep=2)
    for sure in (0.3, 0.4, 0.5):
        cache.fitted(small, ResolverSettings(sure=sure))
    kept = {p.name for p in cache.entries()}
    assert kept == {entry_key(small, ResolverSettings(sure=s)) + SUFFIX for s in (0.4, 0.5)}
    assert not list(cache.directory.glob(".partial-*"))


def test_a_damaged_entry_is_fitted_again_and_replaced(small, tmp_path, monkeypatch):
    cache = ResolverCache(tmp_path / "cache")
    cache.fitted(small, ResolverSettings())
    entry = cache.entries()[0]
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short, as by a full disk
    fits = counted_fits(monkeypatch)
    assert cache.fitted(small, ResolverSettings()).resolve("身份证丢了怎么补").affair == "id-card-reissue"
    assert fits == [1]
    assert pickle.loads(entry.read_bytes()).resolve("身份证丢了怎么补").affair == "id-card-reissue"


def test_an_unwritable_directory_still_answers(small, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    fits = counted_fits(monkeypatch)
    cache = ResolverCache(blocked / "cache")
    for _ in range(2):
        assert cache.fitted(small, ResolverSettings()).resolve("身份证丢了怎么补").affair == "id-card-reissue"
    assert fits == [1, 1] and cache.entries() == []


def test_a_second_start_loads_the_first_ones_fit(tmp_path, monkeypatch):
    """Two providers on one database, as two starts of the action server: the second fits nothing."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("RESOLVER_CACHE_DIR", str(directory))
    engine = engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    load_knowledge(copy_trimmed(tmp_path / "knowledge"), engine)  # the whole knowledge, with fewer phrasings
    first = CatalogProvider(engine, interval=0).current()
    fits = counted_fits(monkeypatch)
    second = CatalogProvider(engine, interval=0).current()
    assert fits == [] and len(list(directory.glob(f"*{SUFFIX}"))) == 1
    for text in QUESTIONS:
        assert second.resolver.resolve(text).as_json() == first.resolver.resolve(text).as_json(), text


def test_an_empty_setting_turns_the_cache_off():
    assert configured_cache("") is None and configured_cache("  ") is None
    assert configured_cache("var/x") == ResolverCache(Path("var/x"))
    assert configured_cache("var/x", keep=20).keep == 20


def test_the_provider_keeps_the_configured_number_of_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("RESOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RESOLVER_CACHE_KEEP", "1")
    engine = engine_for(f"sqlite:///{tmp_path / 'catalog.db'}")
    provider = CatalogProvider(engine, interval=0)
    assert provider._cache == ResolverCache(tmp_path / "cache", keep=1)
