"""Text analysis for matching: normalisation, colloquial synonyms, words, character n-grams, pinyin."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

from bot.catalog.tables import VAGUE
from bot.privacy import without_personal_data

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]+")
# jieba keeps letters and digits together (xiaohai10sui); pinyin is read from the letters alone
_ALNUM = re.compile(r"[a-z0-9]+")
_LATIN_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")
# Naming two alternatives: 开公司好还是个体户好, 是先领失业金还是直接办退休, 说不清是过期了还是丢了, A或者B,
# 好像说要派出所开的，又好像说要社保的, 卡不见了，也可能压根没领过, 记不清是丢了还是没办过. A lone 还是
# (电费单上还是别人的名字: "still") is not one.
_ALTERNATIVES = re.compile(r"(?:是|先)[^，。？！,.?!；;]{1,24}[，,]?还是"
                           r"|还是[^，。？！,.?!；;]{1,14}(?:好|划算|合适)"
                           r"|或者|或是|哪个(?:好|划算|合适)|哪种(?:好|划算|合适)|办哪种|又好像"
                           r"|也可能|也许是|不确定是|不知道是|(?:记|说|搞|弄)不清")
_LONGEST_SYLLABLE = 6
# A homophone typo is looked for across at most this many tokens.
_LONGEST_RESPELLING = 4


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces removed."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())


# Something already in hand, right after the word naming it (出生证明早就拿到了, 年检过了, 执照上周已经下来了,
# 购置税交过了): the question is about what comes next, not about that thing.
_DONE_VERBS = "办好|办完|办下来|弄好|下来|到手|过|批下来|搞定|交过|缴过|交好|缴好|交完|缴完|交清|缴清|过户|换好|补好"
# Not 办下来了要多久 or 想把它办下来; nor 失业金领了两个月, which is still being received: a span after 了 says for
# how long something has gone on, not that it is over.
_DONE = re.compile(rf"^(?:拿到手|拿到|拿|领到|领|有|{_DONE_VERBS})了"
                   r"(?!.{0,2}(?:要|以后|之后|后|多久|几天|吗|没|的话|才))"
                   r"(?![0-9一二两三四五六七八九十几半]+个?多?(?:月|年|天|周|星期|礼拜|期))")
# ... or, without 了, ending the clause after a word that says it is over (年检刚过, 执照已经办好)
_DONE_BARE = re.compile(rf"^(?:{_DONE_VERBS})$")
_OVER = frozenset({"已经", "早就", "早已", "已", "刚", "刚刚", "终于", "总算"})
# ... with only these words between the two (when, and how surely)
_DONE_GAP = frozenset({*_OVER, "都", "也", "早", "顺利", "上周", "上个月", "昨天", "前天", "前几天", "去年", "今年",
                       "年初"})
# ... or, for a word naming an act (领证, 结婚), this alone ending the clause: the act has happened (已经领证了)
_HAPPENED = "了"
# How many texts' done words an analyzer remembers (a question's, read for each of its candidates).
_DONE_REMEMBERED = 64
# A subject ending so names a period (冷静期): when it is over, it has run out, and nothing is in hand.
_PERIOD = "期"
_CLAUSE = re.compile(r"[，。？！,.?!；;、\s]+")


def names_alternatives(text: str) -> bool:
    """Whether the text weighs two alternatives, the sign of a person unsure which of two things applies."""
    return _ALTERNATIVES.search(unicodedata.normalize("NFKC", text).replace("是不是", "")) is not None


# The word a text gets for naming two different places of the province (从温州迁到宁波, 从瑞安迁到乐清, 户口在
#建德乡下，想迁到杭州城里): the places themselves say nothing about what is needed, but that both are ours does.
WITHIN_PROVINCE = "省内"
# A city and one of its own counties this close together name one place (杭州西湖区, 温州的瓯海), not two.
_ONE_PLACE_GAP = 1
# What a place typed in pinyin leaves behind: a character that survives normalisation and that jieba keeps
# apart, so that the syllables around the place are not read as one word (cong | qian dao, not congqian).
_PLACE_GAP = "\u3007"
# How often jieba is told our own words occur: high enough that they are kept whole.
_OWN_WORD_FREQUENCY = 20000
# Words of this many characters (at least, at most) are read back from their first letters (sfz, hkb).
ABBREVIATED = (3, 4)


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


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (zhong, lv ...), from pypinyin's own character table."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            spelt = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")  # lǚ -> lv, as typed
            found.add("".join(c for c in spelt if not unicodedata.combining(c)))
    return frozenset(found)


@lru_cache(maxsize=4096)
def latin_syllables(run: str) -> tuple[str, ...]:
    """A run of Latin letters read as pinyin (shenfenzheng -> shen fen zheng), or () when it is not pinyin.

    Dynamic programming keeps the reading with the fewest syllables that covers the whole run.
    """
    known = _syllables()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(run)
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - _LONGEST_SYLLABLE), end):
            head = best[start]
            if head is not None and run[start:end] in known:
                if best[end] is None or len(head) + 1 < len(best[end]):
                    best[end] = (*head, run[start:end])
    return best[-1] or ()


def typed_words(run: str, typed: list[str]) -> list[str]:
    """The words as typed (`typed`, in order) that normalisation joined into `run`; the run itself when no
    consecutive typed words spell it."""
    for start in range(len(typed)):
        joined = ""
        for end in range(start, len(typed)):
            joined += typed[end]
            if joined == run:
                return typed[start:end + 1]
            if not run.startswith(joined):
                break
    return [run]


def _as_pinyin(word: str) -> str:
    """A typed word as the pinyin to read: itself, or without an erhua r (nar: na); "" when it is not pinyin."""
    if latin_syllables(word):
        return word
    return word[:-1] if word.endswith("r") and latin_syllables(word[:-1]) else ""


# Sounds that many speakers (and the "fuzzy pinyin" setting of their input method) do not tell apart:
# 护造 for 护照, 身分正 for 身份证, 流学 for 留学. Initials first, then finals.
_BLURRED_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_BLURRED_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=4096)
def blurred(syllable: str) -> str:
    """A syllable as it sounds when zh/z, ch/c, sh/s, n/l, ang/an, eng/en and ing/in are not told apart."""
    for sharp, soft in _BLURRED_INITIALS:
        if syllable.startswith(sharp) and len(syllable) > len(sharp):
            syllable = soft + syllable[len(sharp):]
            break
    for sharp, soft in _BLURRED_FINALS:
        if syllable.endswith(sharp):
            return syllable[:-len(sharp)] + soft
    return syllable


def _homophones(meanings: dict[str, str], blur: bool = False) -> dict[str, str]:
    """Words of two or more Chinese characters by their toneless pinyin (`meanings`: each word and what it
    means); a spelling shared by words that mean different things is left out (which was meant cannot be
    told), one shared by ways of writing the same word (身分证, 身份证) is kept. With `blur`, by the pinyin
    as it sounds when near sounds are not told apart (see `blurred`)."""
    spelt: dict[str, dict[str, str]] = {}
    for word, meaning in meanings.items():
        syllables = _pinyin(word)
        if meaning and len(word) >= 2 and len(syllables) == len(word):
            spelt.setdefault("".join(map(blurred if blur else str, syllables)), {})[meaning] = word
    return {key: next(iter(found.values())) for key, found in spelt.items() if len(found) == 1}


def _sound_prefixes(words: Iterable[str], blur: bool = False) -> set[str]:
    """Every beginning of the words' toneless pinyin (blurred with `blur`): a respelling stops looking as soon
    as what it has heard begins no word of ours."""
    spell = blurred if blur else str
    return {"".join(map(spell, syllables[:k])) for word in words for syllables in [_pinyin(word)]
            for k in range(1, len(syllables) + 1)}


# Where a place is: its own code and the code of the city it is in (the same for a city).
Place = tuple[str, str]


def _place_spellings(places: Mapping[str, Place]) -> dict[str, Place]:
    """Each place name's toneless pinyin (taizhou, jiande), with the place; a spelling shared by two places
    says nothing and is left out."""
    found: dict[str, set[Place]] = {}
    for name, place in places.items():
        syllables = _pinyin(name)
        if len(syllables) == len(name):
            found.setdefault("".join(syllables), set()).add(place)
    return {spelling: next(iter(found_in)) for spelling, found_in in found.items() if len(found_in) == 1}


def _places_named(mentions: list[tuple[Place, int, int]]) -> set[str]:
    """The different places among the mentions (place, start, end), in text order: a city right before one of
    its own counties is that county named in full, and a place named twice is one place."""
    named: list[tuple[Place, int]] = []
    for place, start, end in mentions:
        if named:
            (before, before_end) = named[-1]
            if before[0] == before[1] == place[1] and start - before_end <= _ONE_PLACE_GAP:
                named.pop()  # 杭州西湖区: the county, in full
        named.append((place, end))
    return {place[0] for place, _ in named}


class Analyzer:
    """Turns a text into matching features; built from the catalog's lexicon and vocabulary."""

    def __init__(self, lexicon: dict[str, str], vocabulary: Iterable[str],
                 places: Mapping[str, Place] | None = None):
        """`places`: names that say where, not what, each with its place (own code, city code); removed before
        anything is matched. A text that names two different places says so with the word WITHIN_PROVINCE."""
        self._place = {normalize(n): place for n, place in (places or {}).items() if len(normalize(n)) >= 2}
        names = sorted(self._place, key=len, reverse=True)
        self._ignored = re.compile("|".join([*map(re.escape, names), _PLACE_GAP])) if names else None
        self._spelt_places = _place_spellings(self._place)
        self._vague = frozenset(normalize(w) for w, c in lexicon.items() if c == VAGUE and normalize(w))
        self._replacements = {normalize(w): c for w, c in lexicon.items() if normalize(w) and c != VAGUE}
        self._tokenizer = _fresh_tokenizer()
        self._spelt: dict[str, str] = {}
        self._abbreviations: dict[str, str] = {}
        self._seen: dict[str, tuple[str, ...]] | None = None
        self._done_seen: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        domain = [normalize(w) for w in [*vocabulary, *self._replacements, *self._replacements.values()]]
        self._own_words = tuple(w for w in domain if w)  # repeats kept: each adds to jieba's total
        self._add_own_words()
        meanings = {w: self._replacements.get(w, w) for w in domain if w}
        self._homophones = _homophones(meanings)
        self._sound_prefixes = _sound_prefixes(self._homophones.values())
        self._near_homophones = _homophones(meanings, blur=True)
        self._near_prefixes = _sound_prefixes(self._near_homophones.values(), blur=True)

    def _add_own_words(self) -> None:
        for word in self._own_words:
            self._tokenizer.add_word(word, freq=_OWN_WORD_FREQUENCY)

    def __getstate__(self) -> dict:
        """What a pickle keeps (bot.resolver.cache): everything but the tokenizer, which holds a lock and a
        copy of jieba's whole dictionary (it is rebuilt from the default dictionary and our own words), and the
        done words of the last texts read."""
        state = dict(self.__dict__)
        del state["_tokenizer"]
        state["_seen"] = None
        del state["_done_seen"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._done_seen = {}
        self._tokenizer = _fresh_tokenizer()
        self._add_own_words()

    def learn_pinyin(self, words: Iterable[str]) -> None:
        """Remember how words are spelt in pinyin, so that typed pinyin can be read back as those words.

        When two words share a spelling, the one seen most often wins.
        """
        counts: dict[str, dict[str, int]] = {}
        for word in words:
            syllables = _pinyin(word)
            if len(syllables) >= 2 and len(syllables) == len(word):
                spelt = counts.setdefault("".join(syllables), {})
                spelt[word] = spelt.get(word, 0) + 1
        self._spelt = {key: max(found, key=found.__getitem__) for key, found in counts.items()}
        self._forget_letters()

    def learn_abbreviations(self, tokens: Iterable[str]) -> None:
        """Remember the words people shorten to the first letters of their syllables (hkb: 户口本, jsz: 驾驶证).

        An abbreviation is read as the word (by its meaning in the lexicon) that the knowledge's own texts use
        most often with those letters, when it is used at least twice as often as any other. A run of letters the
        texts themselves use (app, bdc) stays itself: what the model learned of it is kept; one the lexicon knows
        (sfz) means what the lexicon says.
        """
        counts: dict[str, dict[str, int]] = {}
        used: set[str] = set()
        for token in tokens:
            if _LATIN.fullmatch(token):
                used.add(token)
                continue
            syllables = _pinyin(token)
            if ABBREVIATED[0] <= len(syllables) <= ABBREVIATED[1] and len(syllables) == len(token):
                meaning = self._replacements.get(token, token)
                if meaning:
                    letters = counts.setdefault("".join(s[0] for s in syllables), {})
                    letters[meaning] = letters.get(meaning, 0) + 1
        self._abbreviations = {}
        for letters, meanings in counts.items():
            ranked = sorted(meanings.values(), reverse=True)
            dominant = ranked[0] >= 2 and (len(ranked) == 1 or ranked[0] >= 2 * ranked[1])
            if dominant and letters not in used and letters not in self._replacements:
                self._abbreviations[letters] = max(meanings, key=meanings.__getitem__)
        self._forget_letters()

    def _forget_letters(self) -> None:
        """Forget how the texts with Latin letters were segmented: only they read differently once pinyin or
        abbreviations are learned (the texts of a fit are mostly Chinese, and segmenting them is much of a fit)."""
        if self._seen is not None:
            self._seen = {text: found for text, found in self._seen.items()
                          if not _LATIN.search(unicodedata.normalize("NFKC", text).lower())}

    def _read_pinyin(self, run: str) -> list[str]:
        """A run of pinyin as the known words it spells (longest first), syllables left as they are."""
        syllables = latin_syllables(run)
        if not syllables or not self._spelt:
            return [run]
        out, i = [], 0
        while i < len(syllables):
            for j in range(min(len(syllables), i + 6), i + 1, -1):
                word = self._spelt.get("".join(syllables[i:j]))
                if word:
                    out.append(word)
                    i = j
                    break
            else:
                out.append(syllables[i])
                i += 1
        return out

    def tokens(self, text: str) -> list[str]:
        """The jieba words of the normalised text, as written; typed pinyin read back as known words.

        Remembered per text while `remembering` (a fit reads each knowledge text several times); never the
        questions people ask afterwards."""
        if self._seen is None:
            return self._tokens(text)
        known = self._seen.get(text)
        if known is None:
            known = self._seen[text] = tuple(self._tokens(text))
        return list(known)

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within the block, each text is segmented once."""
        self._seen = {}
        try:
            yield
        finally:
            self._seen = None

    def _tokens(self, text: str) -> list[str]:
        spelt: list[Place] = []
        unplaced = self._drop_spelt_places(without_personal_data(text), spelt)
        norm = normalize(unplaced)
        mentions: list[tuple[Place, int, int]] = []
        typed = iter(spelt)

        def drop_place(match: re.Match) -> str:  # one pass: each place removed, and where it is noted
            if match.group() == _PLACE_GAP:  # a place typed in pinyin, in order (or a 〇 the person typed)
                place = next(typed, None)
                if place is not None:
                    mentions.append((place, *match.span()))
                return _PLACE_GAP
            mentions.append((self._place[match.group()], *match.span()))
            return ""

        if self._ignored is not None:
            norm = self._ignored.sub(drop_place, norm)
        found = self._respell([t for t in self._tokenizer.lcut(norm, HMM=False) if t != _PLACE_GAP])
        if len(_places_named(mentions)) >= 2:
            found.append(WITHIN_PROVINCE)
        if not any(_LATIN.search(t) for t in found):
            return found
        runs = [r for t in found for r in (_LATIN_OR_DIGITS.findall(t) if _ALNUM.fullmatch(t) else (t,))]
        latin_typed = _LATIN.findall(unicodedata.normalize("NFKC", unplaced).lower())
        return [w for r in runs for w in (self._read_latin(r, latin_typed) if _LATIN.fullmatch(r) else (r,))]

    def _read_latin(self, run: str, typed: list[str]) -> list[str]:
        """A run of letters as words: pinyin read back as known words. A run that is not pinyin as a whole
        (zufang tiqu gjj zenme ban: normalisation joined the typed words, and gjj is no syllable) is read word
        by word as it was typed: pinyin words together, anything else (gjj, app) as a word of its own, which
        the lexicon may know. A typed word ending in the erhua r (nar, zher) is read without it."""
        if latin_syllables(run):
            return self._read_pinyin(run)
        out: list[str] = []
        spelt = ""
        for word in typed_words(run, typed):
            readable = _as_pinyin(word)
            if readable:
                spelt += readable
                continue
            if spelt:
                out += self._read_pinyin(spelt)
                spelt = ""
            out.append(self._abbreviations.get(word, word))
        return out + (self._read_pinyin(spelt) if spelt else [])

    def _drop_spelt_places(self, text: str, spelt: list[Place]) -> str:
        """The places typed in pinyin as words of their own (cong taizhou qian dao ningbo) replaced by _PLACE_GAP,
        each one noted in order. A spelling that is also a word of ours (yiwu: 义乌 or 义务) stays a word."""
        if not self._spelt_places or not _LATIN.search(text.lower()):
            return text

        def drop(match: re.Match) -> str:
            place = self._spelt_places.get(match.group())
            if place is None or match.group() in self._spelt:
                return match.group()
            spelt.append(place)
            return _PLACE_GAP

        return _LATIN.sub(drop, unicodedata.normalize("NFKC", text).lower())

    def _respell(self, tokens: list[str]) -> list[str]:
        """Homophone typos read as the words they sound like (结昏 -> 结婚, 失叶金 -> 失业金, 身份正 -> 身份证).

        A mistyped word falls apart into single characters, which jieba's dictionary cannot join. Where
        a few tokens, at least one of them a lone character, sound exactly like one word of our affairs
        and lexicon (and like no other), that word is read instead; the longest such word wins. Failing
        that, the one word they nearly sound like (护造 -> 护照: see `blurred`)."""
        if not self._homophones or all(len(t) > 1 for t in tokens):
            return tokens
        # each token's syllables once (tokens recur, so this is mostly a cache hit); () when not all Chinese
        spelt = [syllables if len(syllables := _pinyin(t)) == len(t) else () for t in tokens]
        out, i = [], 0
        while i < len(tokens):
            found, found_near, sound, near, single, chars = None, None, "", "", False, 0
            for j in range(i, min(len(tokens), i + _LONGEST_RESPELLING)):
                sound += "".join(spelt[j])
                near += "".join(map(blurred, spelt[j]))
                single, chars = single or len(tokens[j]) == 1, chars + len(tokens[j])
                if not spelt[j] or (sound not in self._sound_prefixes and near not in self._near_prefixes):
                    break  # no word of ours starts with this sound: a longer window cannot match either
                if j == i or not single:
                    continue
                word, near_word = self._homophones.get(sound), self._near_homophones.get(near)
                if word is not None and len(word) == chars:
                    found = (word, j + 1)  # the longest match so far
                elif near_word is not None and len(near_word) == chars:
                    found_near = (near_word, j + 1)
            found = found or found_near  # a word that sounds exactly alike before one that sounds nearly so
            if found is not None:
                out.append(found[0])
                i = found[1]
            else:
                out.append(tokens[i])
                i += 1
        return out

    def parts(self, word: str) -> list[str]:
        """The shorter dictionary words inside a compound (台湾通行证: 台湾, 通行证), as `words` reads them."""
        return [w for w in self._canonical(self._tokenizer.lcut_for_search(word, HMM=False))
                if len(w) >= 2 and w != word]

    def has_done(self, text: str, subjects: set[str], acts: bool = False) -> bool:
        """Whether the text says that a thing one of `subjects` names is already in hand (出生证明已经拿到了).
        With `acts`, the subjects name acts, and one followed by 了 alone says it has happened (已经领证了)."""
        in_hand, happened = self._done_words(text)
        return not in_hand.isdisjoint(subjects) or (acts and not happened.isdisjoint(subjects))

    def _done_words(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """The words (as the lexicon reads them) that the text says are in hand, and those followed by 了 alone,
        ending the clause. A question asks about several candidates' words: it is segmented once for all of them
        (the last few texts are remembered)."""
        known = self._done_seen.get(text)
        if known is not None:
            return known
        in_hand, happened = set(), set()
        for clause in _CLAUSE.split(unicodedata.normalize("NFKC", text)):
            tokens = self.tokens(clause)
            for i, token in enumerate(tokens):
                subject = self._replacements.get(token, token)
                if subject.endswith(_PERIOD):
                    continue  # a period that is over (冷静期过了) has run out: nothing is in hand
                rest = tokens[i + 1:]
                over = False
                while rest and rest[0] in _DONE_GAP:
                    over = over or rest[0] in _OVER
                    rest = rest[1:]
                after = "".join(rest)
                if _DONE.match(after) or (over and _DONE_BARE.match(after)):
                    in_hand.add(subject)
                elif after == _HAPPENED:
                    happened.add(subject)
        if len(self._done_seen) >= _DONE_REMEMBERED:
            self._done_seen.clear()
        known = self._done_seen[text] = (frozenset(in_hand), frozenset(happened))
        return known

    def says_nothing(self, words: Iterable[str]) -> bool:
        """Whether every one of these words is one that alone names no affair (办证, 证件)."""
        return all(w in self._vague for w in words)

    def words(self, text: str) -> list[str]:
        """jieba words with colloquial words replaced by what they mean and filler words dropped."""
        return self._canonical(self.tokens(text))

    def _canonical(self, tokens: list[str]) -> list[str]:
        result = []
        for word in tokens:
            canonical = self._replacements.get(word, word)
            if canonical:
                result.append(canonical)
        return result

    def features(self, text: str) -> list[str]:
        """Words, character bigrams and trigrams, and pinyin syllable bigrams.

        Pinyin is read from the words as written (so 身份正 and shenfenzheng meet 身份证), words and
        n-grams from their canonical forms (so 驾照 meets 驾驶证).
        """
        tokens = self.tokens(text)
        words = self._canonical(tokens)
        canonical = "".join(words)
        feats = [f"w:{w}" for w in words]
        for n in (2, 3):
            feats += [f"c:{canonical[i:i + n]}" for i in range(len(canonical) - n + 1)]
        syllables = [s for t in tokens for s in (latin_syllables(t) if _LATIN.fullmatch(t) else _pinyin(t))]
        feats += [f"p:{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]
        return feats
