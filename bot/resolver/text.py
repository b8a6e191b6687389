"""Text analysis for matching: normalisation, colloquial synonyms, words, character n-grams, pinyin."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces removed."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default dictionary, read once per process."""
    base = jieba.Tokenizer()
    base.initialize()
    return base.FREQ, base.total


def _fresh_tokenizer() -> jieba.Tokenizer:
    """A tokenizer with its own copy of the default dictionary, ready for words of our own."""
    frequencies, total = _base_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(frequencies), total, True
    return tokenizer


@lru_cache(maxsize=65536)
def _pinyin(word: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of the Chinese characters in a word."""
    han = "".join(_HAN.findall(word))
    return tuple(lazy_pinyin(han, style=Style.NORMAL, errors="ignore")) if han else ()


class Analyzer:
    """Turns a text into matching features; built from the catalog's lexicon and vocabulary."""

    def __init__(self, lexicon: dict[str, str], vocabulary: Iterable[str]):
        self._replacements = {normalize(w): c for w, c in lexicon.items() if normalize(w)}
        self._tokenizer = _fresh_tokenizer()
        for word in [*vocabulary, *self._replacements, *self._replacements.values()]:
            if normalize(word):
                self._tokenizer.add_word(normalize(word), freq=20000)

    def words(self, text: str) -> list[str]:
        """jieba words with colloquial words replaced by what they mean and filler words dropped."""
        result = []
        for word in self._tokenizer.lcut(normalize(text), HMM=False):
            canonical = self._replacements.get(word, word)
            if canonical:
                result.append(canonical)
        return result

    def features(self, text: str) -> list[str]:
        """Words, character bigrams and trigrams, and pinyin syllable bigrams."""
        words = self.words(text)
        canonical = "".join(words)
        feats = [f"w:{w}" for w in words]
        for n in (2, 3):
            feats += [f"c:{canonical[i:i + n]}" for i in range(len(canonical) - n + 1)]
        syllables = [s for w in words for s in _pinyin(w)]
        feats += [f"p:{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]
        return feats
