"""bot.dialogue.guide_passages: the sentence of a guide a follow-up asks about."""

from __future__ import annotations

from bot.dialogue.guide_passages import guide_passage


def test_a_rare_word_shared_with_a_sentence_finds_it(catalog):
    reissue = catalog.affairs["property-certificate-reissue"]
    assert "无需自行登报" in guide_passage(catalog, reissue, "登报还要吗")


def test_words_every_guide_uses_or_the_affairs_own_name_find_nothing(catalog):
    """可以, 办理, 需要 are in hundreds of sentences; 社保卡 names a part of the birth bundle, so 社保卡在哪办 asks for
    the hall, not for a sentence that mentions the card."""
    assert guide_passage(catalog, catalog.affairs["passport"], "可以办理吗，需要什么") is None
    assert guide_passage(catalog, catalog.affairs["one-thing-birth"], "社保卡在哪办") is None


def test_a_bundle_is_searched_with_its_parts(catalog):
    """The guardianship proof is a material of the social security card, one of the birth bundle's parts."""
    birth, card = catalog.affairs["one-thing-birth"], catalog.affairs["social-security-card"]
    said = guide_passage(catalog, birth, "监护关系证明是什么")
    assert said is not None and said.startswith("监护关系证明")
    assert said == guide_passage(catalog, card, "监护关系证明是什么")
    assert guide_passage(catalog, catalog.affairs["passport"], "监护关系证明是什么") != said
