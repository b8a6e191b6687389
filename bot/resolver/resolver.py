"""Ranks affairs for a text and decides: one affair, a short list to choose from, or none."""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace

import numpy as np

from bot.catalog.catalog import Catalog
from bot.catalog.domain import OUT_OF_SCOPE, TwoAffairQuestion, Umbrella
from bot.entities.places import short_place_name
from bot.resolver.cancellation import Cancelled, never_cancelled, stop_if_cancelled
from bot.resolver.index import QUERY_FIELDS, ExampleIndex, Similarities, affair_examples
from bot.resolver.ranker import FEATURES, CandidateFeatures, QueryFacts, Ranker, shortlist
from bot.resolver.text import Analyzer, names_alternatives, normalize

# The lexicon word for "done together" (一起办, 一次办完 ...): only then is a one-thing bundle meant.
BUNDLE_MARKER = "一件事"
# The character that turns an act into its certificate (离婚 → 离婚证).
CERTIFICATE = "证"
# A word is evidence for one affair against a sibling when this share of its phrasings use it ...
EVIDENCE_SHARE = 0.08
# ... and at most this share of the sibling's.
RIVAL_SHARE = 0.02
# A word in the questions of more than this share of the umbrella topics says how people ask, not what about.
GENERIC_TOPIC_WORD_SHARE = 0.25
# Cosine to an affair's name or alias at which a question counts as naming it: never "not ours" then.
NAMED = 0.8
# A word inside a compound name counts as the affair's subject when at most this many affairs name it.
SUBJECT_OF_AT_MOST = 3
# A word in the names of more affairs than this (补领 in 7; 遗失, 登记 in 5) says how something is done, even when
# it is said of an affair with nothing in common with another; 身份证, 户口, 公积金 (in 4) still say what about.
SUBJECT_APART_IN_AT_MOST = 4
# A sibling left open by the words is offered only when the ranker gives it at least this probability (and a
# one-thing bundle holding the ranker's best is taken for it only when the ranker gives the bundle as much). 0.05,
# not 0.01: chosen on the calibration set (eval/README.md, "Siblings the ranker all but rules out").
SIBLING_MIN = 0.05
# ... or when the SVM's margin for an umbrella topic holding both comes within this much of every other margin.
SIBLING_TOPIC_LEAD = -0.6
# A word decides for a sibling against the ranker's best only when the ranker gives the sibling this much: a
# word of one affair (孩子 for the newborn's registration) does not overrule a ranker sure of another.
OVERRULED_BY_A_WORD = 0.1
# A second affair that the question's words speak for (身份证和驾照都丢了) counts when the ranker gives it at least
# this probability: the person is then asked which of the two to start with, not given the leader alone.
SECOND_NEED_MIN = 0.05
# A decided affair is asked about beside an affair the knowledge's questions of two affairs pair it with, when the
# two-affair word model's probability (those questions against the questions of one affair), plus this weight times
# the base-10 logarithm of the ranker's probability for that partner, reaches TWO_AFFAIRS_MIN: the likelier the
# partner, the less the words need to sound like two (0.1 with a partner 10 % likely, 0.5 with one 0.1 % likely).
# The ranker learns from questions of one affair alone, so it gives the second affair of a question of two little.
TWO_AFFAIRS_PARTNER_WEIGHT = 0.2
TWO_AFFAIRS_MIN = -0.1
# The SVM's "none of ours" declines a decided affair the ranker gives at least this only when its margin leads the
# affair's outright (`none_lead` above 0): a question the ranker is this sure of that merely comes close to the near
# misses (社保卡丢了怎么补，金融功能要先去银行挂失吗) is one of ours. Chosen on the calibration set (eval/README.md).
SURE_AGAINST_NONE = 0.95
# A partner the ranker gives less than this is all but ruled out (身份证丢了怎么办 and the renewal): never offered.
TWO_AFFAIRS_PARTNER_MIN = 0.0002


@dataclass(frozen=True)
class ResolverSettings:
    """Decision thresholds on the ranker's probabilities; see eval/README.md for how they are set."""

    sure: float = 0.3
    rival_ratio: float = 0.3
    plausible: float = 0.4
    not_ours: float = 0.2  # the word model's "no affair of ours" probability at which to abstain (>1: never)
    overrule: float = 0.9  # ... unless the ranker is at least this sure of its best candidate (>1: never)
    not_ours_known: float = 0.3  # the same, for a question all of whose words our affairs use
    none_lead: float = -0.4  # decline a decided affair whose SVM margin "none of ours" comes this close (>9: never)
    umbrella: float = 0.0  # how far an umbrella topic's SVM margin must lead every affair's and "none of ours"
    alternatives: float = 0.01  # a question naming alternatives asks when the runner-up is this likely
    widen: float = -1.0  # a question among some of a topic's affairs offers them all when the topic leads by this
    max_choices: int = 5
    shortlist: int = 6
    mixed_every: int = 3

    @classmethod
    def from_env(cls) -> ResolverSettings:
        """Each setting from its RESOLVER_<NAME> environment variable (RESOLVER_SURE ...), else the default."""
        base = cls()
        values = {f.name: type(getattr(base, f.name))(os.environ[f"RESOLVER_{f.name.upper()}"])
                  for f in fields(cls) if f"RESOLVER_{f.name.upper()}" in os.environ}
        return replace(base, **values)


@dataclass(frozen=True)
class Query:
    """A question and its words, segmented once for everything that reads them."""

    text: str
    words: tuple[str, ...]

    @property
    def content(self) -> list[str]:
        """The words of two characters or more (single characters say little on their own)."""
        return [w for w in self.words if len(w) >= 2]

    @property
    def together(self) -> bool:
        """Whether the question asks for things done together (the lexicon's 一件事)."""
        return BUNDLE_MARKER in self.words


@dataclass(frozen=True)
class Read:
    """What the models read in a question: the shortlisted affairs by the ranker's probability, the word model's
    "not ours" probability, the affair whose name or alias the text all but repeats, the umbrella topic the SVM
    reads best with its affairs and lead (see `Resolver._topic`), the two-affair model's probability, and how far
    the SVM's margin of "none of ours" leads the best affair's (see `none_lead`)."""

    ranked: list[Candidate]
    not_ours: float
    named: str | None = None
    topic: str = ""
    umbrella: tuple[str, ...] = ()
    umbrella_lead: float = -np.inf
    two_affairs: float = 0.0
    none_lead: float = -np.inf


@dataclass(frozen=True)
class Candidate:
    """An affair and how well it matches."""

    id: str
    name: str
    score: float


@dataclass(frozen=True)
class Resolution:
    """The decision: `affair` when sure, `clarify` ids to offer when unsure, both empty for none."""

    affair: str | None
    clarify: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    topic: str = ""  # with `clarify` from an umbrella topic: the topic the question named (户口迁移)
    vague: bool = False  # with neither: the message has no word to go on (办个证, 咨询一下), not "not ours"
    each: bool = False  # with `clarify`: the words speak for every choice (second needs); the rest follow the pick

    def as_json(self) -> dict:
        """The shape of `python -m bot resolve --json`."""
        return {"affair": self.affair, "clarify": self.clarify, "each": self.each,
                "candidates": [{"id": c.id, "name": c.name, "score": round(c.score, 4)} for c in self.candidates]}


class Resolver:
    """Retrieval over the knowledge's texts, then a learned ranker decides: one affair, choices, or none."""

    def __init__(self, catalog: Catalog, settings: ResolverSettings | None = None, base: Resolver | None = None,
                 *, cancelled: Cancelled = never_cancelled):
        """Fit everything on the catalog's texts (seconds). With `base`, a resolver over a catalog that differs
        from this one only in its phrasings (`Catalog.differs_only_in_phrasings`), keep base's vocabulary and
        learned models and index the new texts alone (a fraction of a second): a maintainer's new typical
        question is answered at once, and a full fit can replace this resolver later.

        `cancelled` is asked before each costly stage of a full fit (segmenting, the word models, the SVMs, the
        ranker's training rows, the ranker); when it answers True the fit stops with FitCancelled. It is not kept.
        """
        self.settings = settings or ResolverSettings()
        self._affairs = sorted(catalog.affairs.values(), key=lambda a: a.id)
        self.extended = base is not None
        if base is not None:
            self.analyzer = base.analyzer
            self._learn(catalog, base, cancelled)
            return
        stop_if_cancelled(cancelled, "segmenting")
        vocabulary = [p for a in self._affairs for p in (a.short_name, *a.aliases, *a.keywords)]
        self.analyzer = Analyzer(catalog.lexicon, vocabulary, place_words(catalog))
        with self.analyzer.remembering():  # a fresh analyzer, not yet shared: segment each text once
            self.analyzer.learn_pinyin(w for texts in catalog.phrasings.values() for t in texts
                                       for w in self.analyzer.tokens(t))
            self.analyzer.learn_abbreviations(w for t in _every_text(catalog) for w in self.analyzer.tokens(t))
            self._learn(catalog, None, cancelled)

    def _learn(self, catalog: Catalog, base: Resolver | None, cancelled: Cancelled) -> None:
        """Index the catalog's texts and fit the ranker (or take base's index models and ranker); `cancelled` as in
        the constructor."""
        self._ids = [a.id for a in self._affairs]
        self._learned = frozenset(normalize(t) for t in _every_text(catalog))
        if not self._affairs:
            self._learn_nothing()
            return
        umbrellas = sorted(catalog.umbrellas.values(), key=lambda u: u.id)
        self._topics = [(u.topic, tuple(i for i in u.affairs if i in catalog.affairs)) for u in umbrellas]
        self.index = ExampleIndex(self.analyzer, self._affairs, catalog.phrasings,
                                  None if base is None else base.index, [u.questions for u in umbrellas],
                                  [q.question for q in catalog.two_affairs], cancelled=cancelled)
        self._is_bundle = np.asarray([a.is_bundle for a in self._affairs], dtype=bool)
        self._features = CandidateFeatures(self._is_bundle)
        # names, aliases and keywords: the short name is left out, since it runs words together that the full
        # name keeps apart (结婚离婚证补领 against 补领结婚证、离婚证, where 结婚 is only the certificate's)
        self._labels = ["|".join("".join(self.analyzer.words(t)) for t in (a.name, *a.aliases, *a.keywords))
                        for a in self._affairs]
        self._label_words = self._subjects()
        self._what_words = _named_by_few(self._label_words)
        self._topic_words = self._words_of_topics(umbrellas)
        self._word_shares = _word_shares(self.index)
        self._typical = _typical_questions(self.index)
        self._partners = _partners(catalog.two_affairs)
        self._asked_between = _asked_between(catalog.two_affairs, set(self._ids))
        if base is None:
            stop_if_cancelled(cancelled, "the ranker's training rows")
            features, labels = self.training_rows()
            stop_if_cancelled(cancelled, "the ranker")
            self.ranker = Ranker().fit(features, labels)
        else:
            self.ranker = base.ranker

    def _learn_nothing(self) -> None:
        """A catalog with no affair (a database the knowledge is not loaded into yet) has nothing to index or fit:
        every question is declined as none of ours, and nothing is a name, topic or partner."""
        self.index, self.ranker = None, None
        self._topics, self._labels, self._label_words, self._what_words = [], [], [], frozenset()
        self._topic_words, self._typical, self._partners, self._asked_between = {}, {}, {}, {}

    def _subjects(self) -> list[set[str]]:
        """Each affair's name, alias and keyword words, with the words inside its compounds that name a
        subject on their own: 台湾通行证 names 通行证 as much as 港澳通行证 does. A word in the names of many
        affairs (登记, 补领) says how, not what, and is not taken from inside a compound."""
        words = [set(self.analyzer.words(" ".join((a.name, a.short_name, *a.aliases, *a.keywords))))
                 for a in self._affairs]
        subjects = _named_by_few(words)
        return [own | {part for word in own for part in self.analyzer.parts(word) if part in subjects}
                for own in words]

    def _words_of_topics(self, umbrellas: list[Umbrella]) -> dict[tuple[str, tuple[str, ...]], frozenset[str]]:
        """The words that speak of each umbrella topic: its name's, its affairs' names', and its questions'
        except the ones many topics' questions use (问问, 材料, 怎么办: how people ask, not what about)."""
        asked = [{w for q in u.questions for w in self._query(q).content} for u in umbrellas]
        used_by = Counter(w for words in asked for w in words)
        generic = {w for w, n in used_by.items() if n > len(umbrellas) * GENERIC_TOPIC_WORD_SHARE}
        return {(topic, members): frozenset((words - generic).union(
                    self._query(topic).content, *(self._label_words[self._ids.index(i)] for i in members)))
                for words, (topic, members) in zip(asked, self._topics, strict=True)}

    def learned_from(self, text: str) -> bool:
        """Whether the text is, word for word (after normalisation), one the resolver learned from: a name,
        alias, keyword, question, phrasing, out-of-scope or umbrella question of the knowledge."""
        return normalize(text) in self._learned

    def _query(self, text: str) -> Query:
        return Query(text, tuple(self.analyzer.words(text)))

    def training_rows(self, groups: bool = False) -> tuple[np.ndarray, ...]:
        """Candidate rows of every training question, compared with everything but itself.

        Returns features and labels (1: the affair meant), and with `groups` also the row's question
        number, the candidate's affair and the question's own affair (-1: no affair of ours).
        """
        blocks, labels, question, candidate, truth = [], [], [], [], []
        number = 0
        for owners, sims, texts in self.index.held_out(self.settings.mixed_every) if self.index is not None else ():
            for k, (owner, text) in enumerate(zip(owners, texts, strict=True)):
                chosen = shortlist(sims.best[k], sims.profile[k], self.settings.shortlist, sims.margins[k])
                blocks.append(self._features.rows(sims, k, QueryFacts(self._query(text).together), chosen))
                labels.append(chosen == owner)
                question.append(np.full(len(chosen), number))
                candidate.append(chosen)
                truth.append(np.full(len(chosen), owner))
                number += 1
        if not blocks:
            empty = np.zeros((0, len(FEATURES)), dtype=np.float32)
            return (empty, np.zeros(0, dtype=int), *((np.zeros(0, dtype=int),) * 3 if groups else ()))
        result = (np.vstack(blocks), np.concatenate(labels).astype(int))
        if groups:
            result += (np.concatenate(question), np.concatenate(candidate), np.concatenate(truth))
        return result

    def _score(self, query: Query) -> tuple[Similarities, np.ndarray] | None:
        content = query.content
        if not self._affairs or not content:
            return None  # nothing but filler and single characters (我在, 的): nothing to go on
        if not any(w in self.index.vocabulary for w in content):
            return None  # not one word any affair's texts use (今朝落雨伐): shared letters are no evidence
        vector = self.index.transform([query.text])
        if vector.nnz == 0:
            return None
        sims = self.index.similarities(vector)
        if sims.best[0].max(initial=0.0) <= 0.0:
            return None  # shares nothing with any affair's texts (only with out-of-scope questions)
        return sims, 0.5 * sims.best[0] + 0.5 * sims.profile[0]

    def _candidates(self, scores: np.ndarray, indexes: np.ndarray) -> list[Candidate]:
        return [Candidate(self._affairs[i].id, self._affairs[i].short_name, float(scores[i]))
                for i in indexes if scores[i] > 0]

    def rank(self, text: str, limit: int | None = None) -> list[Candidate]:
        """Affairs by retrieval score (closeness of wording), best first; the best `limit` when given."""
        scored = self._score(self._query(text))
        if scored is None:
            return []
        scores = scored[1]
        if limit is not None and limit < len(scores):
            best = np.argpartition(-scores, limit)[:limit]
            return self._candidates(scores, best[np.argsort(-scores[best])])
        return self._candidates(scores, np.argsort(-scores))

    def probabilities(self, text: str) -> list[Candidate]:
        """The shortlisted affairs with the ranker's probability that each is the one meant, best first."""
        return self._ranked(self._query(text)).ranked

    def _ranked(self, query: Query) -> Read:
        """Shortlisted affairs by the ranker's probability, with what the word models and the names say."""
        scored = self._score(query)
        if scored is None:
            return Read([], 1.0)
        sims = scored[0]
        chosen = shortlist(sims.best[0], sims.profile[0], self.settings.shortlist, sims.margins[0])
        probs = self.ranker.probabilities(self._features.rows(sims, 0, QueryFacts(query.together), chosen))
        order = np.argsort(-probs, kind="stable")
        names = np.where(self.index.name_rows, sims.rows[0], -1.0)
        closest = int(names.argmax()) if names.size else -1
        named = self._ids[self.index.examples[closest].owner] if closest >= 0 and names[closest] >= NAMED else None
        return Read([Candidate(self._affairs[chosen[i]].id, self._affairs[chosen[i]].short_name, float(probs[i]))
                     for i in order], float(sims.not_ours[0]), named, *self._topic(sims), float(sims.two_affairs[0]),
                    lead_of_none(sims.margins[0]))

    def _topic(self, sims: Similarities) -> tuple[str, tuple[str, ...], float]:
        """The umbrella topic with the largest SVM margin, its affairs, and how far that margin leads every
        affair's and "none of ours" (positive: the words name the shared topic and nothing that decides)."""
        if not self._topics or sims.topics.shape[1] == 0:
            return "", (), -np.inf
        best = int(sims.topics[0].argmax())
        lead = float(sims.topics[0, best] - sims.margins[0].max())
        topic, members = self._topics[best]
        return (topic, members, lead) if len(members) >= 2 else ("", (), -np.inf)

    def _bare_topic(self, query: Query) -> list[str]:
        """For a bare topic (身份证怎么办, 营业执照): the plain affairs whose names carry it; else empty.

        A message whose only content word names a subject shared by several affairs says nothing about
        which of them is meant, so the person is asked rather than given the closest guess.
        """
        content = query.content
        if len(content) != 1:
            return []
        word = content[0]
        if word == BUNDLE_MARKER:  # 我想一次办完: which of the things done together is not said
            return [a.id for a in self._affairs if a.is_bundle]
        return [a.id for a, labels in zip(self._affairs, self._labels, strict=True)
                if not a.is_bundle and _names_more_than_its_certificate(word, labels)]

    def _evidence(self, word: str, mine: int, theirs: int) -> bool:
        """Whether a word speaks for affair `mine` against affair `theirs`.

        It does when it is in `mine`'s names and keywords and not in `theirs`', or when people asking
        for `mine` use it often (in 8 % of its phrasings) and those asking for `theirs` hardly ever (2 %).
        """
        if word in self._label_words[mine] and word not in self._label_words[theirs]:
            return True
        return self._usage_evidence(word, mine, theirs)

    def _told_in_names_of(self, query: Query, affair: str) -> bool:
        """Whether every word the question says (two at least) is a word of the affair's names, aliases and
        keywords (身份证 and 过期 for the ID card's renewal): it asks for that affair in its own terms."""
        own = self._label_words[self._ids.index(affair)]
        return len(query.content) >= 2 and all(w in own for w in query.content)

    def _open_siblings(self, query: Query, best: int) -> list[int]:
        """Affairs sharing a named subject with `best` (公积金, 驾驶证) that nothing in the text rules out."""
        words = query.content
        topic = {w for w in words if w in self._label_words[best]}
        siblings = []
        for other, labels in enumerate(self._label_words):
            if other == best or self._affairs[other].is_bundle or not topic & labels:
                continue
            if not any(self._evidence(w, best, other) for w in words):
                siblings.append(other)
        return siblings

    def ranking(self, text: str) -> Ranking:
        """Everything the decision needs that does not depend on the thresholds."""
        query = self._query(text)
        if self.analyzer.says_nothing(query.content):  # 办证, 证件的事 (and, with no content, 办个证)
            return Ranking([], [], [], 1.0, vague=True)
        read = self._ranked(query)
        ranked, not_ours, named = read.ranked, read.not_ours, read.named
        topic, umbrella, umbrella_lead = read.topic, read.umbrella, read.umbrella_lead
        if umbrella and not self._topic_words[(topic, umbrella)].intersection(query.content):
            topic, umbrella, umbrella_lead = "", (), -np.inf  # the SVM's pick shares no word with the question
        if not ranked:
            return Ranking([], [], [], not_ours)
        typical = self._typical.get(normalize(text))
        if typical is not None:  # word for word a typical question of one affair (a maintainer placed it)
            return Ranking(ranked, [], [], 0.0, False, self._ids[typical], self._ids[typical], typical=True)
        between = self._asked_between.get(normalize(text))
        if between is not None:  # word for word a question of two affairs of the knowledge: ask which
            return Ranking(ranked, list(between), [], 0.0, False)
        if named is not None or self._told_in_names_of(query, ranked[0].id):
            not_ours = 0.0  # the question names one of our affairs (新生儿落户, 补办身份证, 身份证快过期了)
        if named != ranked[0].id and not self._affairs[self._ids.index(ranked[0].id)].is_bundle and \
                self.analyzer.has_done(text, self._own_subjects(ranked)):
            # what the best names is already in hand: the question is about something else. Never a bundle:
            # 后事办完了 says the funeral is over, not that the things done together are
            ranked = ranked[1:]
            if not ranked:
                return Ranking([], [], [], not_ours)
        novel = any(w not in self.index.vocabulary for w in query.content)
        by_score = {c.id: c.score for c in ranked}
        leader = self._together(query, self._decided_by_a_word(query, ranked), ranked)
        siblings = sorted((self._ids[i] for i in self._open_siblings(query, self._ids.index(leader))
                           if self._open_enough(self._ids[i], leader, by_score, umbrella, umbrella_lead)),
                          key=lambda i: -by_score.get(i, 0.0))
        settled = tuple(self._settled_rivals(query, leader, ranked))
        return Ranking(ranked, self._bare_topic(query), siblings, not_ours, novel, leader, named, settled,
                       umbrella=umbrella, umbrella_lead=umbrella_lead, umbrella_topic=topic,
                       alternatives=names_alternatives(text), second_needs=self._second_needs(query, leader, ranked),
                       two_affairs=read.two_affairs, partners=self._partners_of(query, leader, ranked),
                       none_lead=read.none_lead)

    def _partners_of(self, query: Query, leader: str, ranked: list[Candidate]) -> tuple[str, ...]:
        """The shortlisted affairs the knowledge's questions of two affairs pair the leader with, most likely
        first (the temporary ID card for its reissue), each at least TWO_AFFAIRS_PARTNER_MIN likely, and none that
        the question's words rule out (see `_ruled_out`) or, when the person asks for things done together, that
        the leader holds as a part (the bundle already does them all)."""
        partners = self._partners.get(leader, frozenset())
        mine = self._ids.index(leader)
        held = self._affairs[mine].parts if query.together else ()
        return tuple(c.id for c in ranked if c.id in partners and c.score >= TWO_AFFAIRS_PARTNER_MIN
                     and c.id not in held and not self._ruled_out(query, mine, self._ids.index(c.id), by_name=True))

    def _ruled_out(self, query: Query, mine: int, other: int, by_name: bool = False) -> bool:
        """Whether the question says a word that people asking for affair `mine` use often and for `other` hardly
        ever (外省 for moving in from outside) and no word speaks for `other` against `mine`. With `by_name`, the
        word must also be one of `mine`'s names that `other`'s lack (补领 for the reissue against the first card)."""
        words = query.content
        return any(self._usage_evidence(w, mine, other) and
                   (not by_name or w in self._label_words[mine] and w not in self._label_words[other])
                   for w in words) and not any(self._evidence(w, other, mine) for w in words)

    def _second_needs(self, query: Query, leader: str, ranked: list[Candidate]) -> tuple[str, ...]:
        """Other affairs the question's own words ask for beside the leader (身份证丢了要补办，驾驶证也一起丢了:
        the driving licence beside the ID card), most likely first.

        One is when the ranker gives it SECOND_NEED_MIN, a word speaks for it against the leader, and neither
        what it names nor that word is already done (出生证明已经拿到了，上户口: the certificate is in hand;
        已经领证了，孩子户口怎么上: the marriage is registered). Bundles and the leader's own parts are not second
        needs: the bundle already holds them.
        """
        mine = self._ids.index(leader)
        words = query.content
        needs = []
        for candidate in ranked:
            other = self._ids.index(candidate.id)
            if other == mine or candidate.score < SECOND_NEED_MIN or self._affairs[other].is_bundle or \
                    candidate.id in self._affairs[mine].parts:
                continue
            if any(self._evidence(w, other, mine) for w in words) and not self._said_done(query, other, mine):
                needs.append(candidate.id)
        return tuple(needs)

    @staticmethod
    def _open_enough(sibling: str, leader: str, by_score: dict[str, float], umbrella: tuple[str, ...],
                     umbrella_lead: float) -> bool:
        """Whether a sibling that no word rules out is likely enough to offer: the ranker gives it SIBLING_MIN,
        or the SVM reads the topic the two share nearly as well as any affair (想把公积金取出来: the reason for
        the withdrawal is not said, however sure the ranker is of one)."""
        if by_score.get(sibling, 0.0) >= SIBLING_MIN:
            return True
        return sibling in umbrella and leader in umbrella and umbrella_lead >= SIBLING_TOPIC_LEAD

    def _own_subjects(self, ranked: list[Candidate]) -> set[str]:
        """The best candidate's subject words that the runner-up's names do not share (出生医学证明 for the
        birth certificate against the newborn's registration, not 过户 for utilities against the house). A
        bundle with the best among its parts is no runner-up here: it shares the part's words by its nature."""
        best = self._ids.index(ranked[0].id)
        words = self._label_words[best]
        rival = next((self._ids.index(c.id) for c in ranked[1:]
                      if ranked[0].id not in self._affairs[self._ids.index(c.id)].parts), None)
        return words if rival is None else words - self._label_words[rival]

    def _together(self, query: Query, leader: str, ranked: list[Candidate]) -> str:
        """The one-thing bundle that has the leader among its parts, when the person asks for things done
        together (户口要销、丧葬费要领、公积金要取，想一次弄完) and the ranker gives the bundle at least SIBLING_MIN."""
        if not query.together:
            return leader
        for candidate in ranked:
            if candidate.score >= SIBLING_MIN and leader in self._affairs[self._ids.index(candidate.id)].parts:
                return candidate.id
        return leader

    def _settled_rivals(self, query: Query, leader: str, ranked: list[Candidate]) -> list[str]:
        """Close candidates that the question's own words rule out in favour of the leader.

        A bundle is ruled out for one of its own parts unless the person asks for things done together
        (家里老人过世后销户: the cancellation, not the whole bundle); any other candidate when a word speaks
        for the leader against it and none for it against the leader (外省 for moving in from outside).
        """
        marker = query.together
        mine = self._ids.index(leader)
        settled = []
        for candidate in ranked:
            other = self._ids.index(candidate.id)
            if other == mine:
                continue
            if self._affairs[other].is_bundle and not marker and leader in self._affairs[other].parts:
                settled.append(candidate.id)
            elif self._ruled_out(query, mine, other) or self._said_done(query, other, mine):
                settled.append(candidate.id)
        return settled

    def _said_done(self, query: Query, other: int, mine: int) -> bool:
        """Whether the question says that affair `other` is already done (已经领证了 beside a newborn's registration):
        its name words that `mine`'s lack, or the question's words that speak for it against `mine`, name something
        in hand or an act that has happened."""
        speaking = {w for w in query.content if self._evidence(w, other, mine)}
        if not speaking:
            return False
        subjects = (self._label_words[other] - self._label_words[mine]) | speaking
        return self.analyzer.has_done(query.text, subjects, acts=True)

    def _usage_evidence(self, word: str, mine: int, theirs: int) -> bool:
        """Whether people asking for `mine` use the word often (8 %) and those asking for `theirs` hardly
        ever (2 %): evidence from how people ask, not from how names happen to be segmented."""
        shares = self._word_shares.get(word, {})
        return shares.get(mine, 0.0) >= EVIDENCE_SHARE and shares.get(theirs, 0.0) <= RIVAL_SHARE

    def _decided_by_a_word(self, query: Query, ranked: list[Candidate]) -> str:
        """The ranker's best, unless a sibling has a word for it that the best lacks (租房 for the rent
        withdrawal when the ranker leaned to the one on leaving a job)."""
        best = self._ids.index(ranked[0].id)
        words = query.content
        topic = {w for w in words if w in self._label_words[best]}
        parts = self._affairs[best].parts  # a bundle shares its parts' words: no word decides between them
        for candidate in ranked[1:]:
            other = self._ids.index(candidate.id)
            if candidate.score < OVERRULED_BY_A_WORD or self._affairs[other].is_bundle or \
                    not topic & self._label_words[other]:
                continue
            if candidate.id in parts:
                continue
            if any(self._evidence(w, other, best) for w in words) and \
                    not any(self._evidence(w, best, other) for w in words):
                return candidate.id
        return ranked[0].id

    def resolve(self, text: str, settings: ResolverSettings | None = None) -> Resolution:
        """One affair when sure, choices when unsure, nothing when no affair fits."""
        return self.ranking(text).decide(settings or self.settings)

    def names_topic_beyond(self, text: str, topic: str, ids: list[str]) -> bool:
        """Whether the text says a word of the topic's name that no name of these affairs holds (身份证, said
        among the housing fund's withdrawals; not 补领 among the driving licence's renewal and reissue)."""
        theirs = set().union(*(self._label_words[self._ids.index(i)] for i in ids if i in self._ids))
        return bool((set(self._query(text).content) & set(self._query(topic).content)) - theirs)

    def names_subject_of(self, text: str, affair: str, against: str, echoed: str = "") -> bool:
        """Whether the text names what one affair is about and another is not (驾照, said while the ID card's
        questions are asked). Words of how (遗失, 损坏) name no subject, a message that only states a fact
        (我们俩合伙干) names none, and a word that echoes `echoed` (the question just asked: 身份证 in
        去世人员的居民身份证还能找到吗) does not count."""
        if affair not in self._ids or against not in self._ids:
            return False
        mine, theirs = self._label_words[self._ids.index(affair)], self._label_words[self._ids.index(against)]
        heard = set(self._query(echoed).content) if echoed else set()
        return any(w in self._what_words and w in mine and w not in theirs and w not in heard
                   for w in self._query(text).content)

    def names_apart_from(self, text: str, affair: str, against: str, echoed: str = "") -> bool:
        """Whether the text names one affair in words that another's names share none of, when the two share no
        name word at all (身份证, said while a housing-fund withdrawal's questions are asked): even a word several
        affairs' names use then speaks of something else, unless so many use it that it says how (补领). A word
        that echoes `echoed` does not count."""
        if affair not in self._ids or against not in self._ids or self.shared_subject([affair, against]):
            return False
        mine = self._label_words[self._ids.index(affair)]
        heard = set(self._query(echoed).content) if echoed else set()
        return any(w in mine and w not in heard and self._named_by(w) <= SUBJECT_APART_IN_AT_MOST
                   for w in self._query(text).content)

    def _named_by(self, word: str) -> int:
        """In how many affairs' names, aliases and keywords the word is."""
        return sum(word in words for words in self._label_words)

    def shared_subject(self, ids: list[str]) -> str:
        """The name words all these affairs share, longest first (驾驶证 for the licence's renewal and reissue;
        公积金 and 提取 for the withdrawals): what a short answer to a choice among them speaks of. Empty when
        they share none or an id is unknown."""
        if not ids or any(i not in self._ids for i in ids):
            return ""
        shared = set.intersection(*(self._label_words[self._ids.index(i)] for i in ids))
        return "".join(sorted(shared, key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class Ranking:
    """A question's candidates by probability, the bare topic it names, and the leader's open siblings."""

    ranked: list[Candidate]
    topic: list[str]
    siblings: list[str]
    not_ours: float = 0.0
    novel: bool = True  # the question has a word that none of our affairs' texts use (上海, 扣分, 银行卡)
    leader: str | None = None  # the ranker's best, or a sibling that a word of the question decides for
    named: str | None = None  # the affair whose name or alias the question all but repeats
    settled: tuple[str, ...] = ()  # candidates the question's words rule out in favour of the leader
    typical: bool = False  # the question is, word for word, a typical question of the leader alone
    umbrella: tuple[str, ...] = ()  # the affairs of the umbrella topic the SVM reads best ...
    umbrella_lead: float = -np.inf  # ... and how far its margin leads every affair's and "none of ours"
    umbrella_topic: str = ""  # ... and what that topic is called
    alternatives: bool = False  # the question names alternatives (还是, 或者, 哪个好)
    vague: bool = False  # nothing but filler and single characters: no word to go on (办个证, 咨询一下)
    second_needs: tuple[str, ...] = ()  # other affairs the words ask for beside the leader, most likely first
    two_affairs: float = 0.0  # the two-affair word model's probability that the question concerns two affairs
    partners: tuple[str, ...] = ()  # shortlisted affairs the knowledge pairs the leader with, most likely first
    none_lead: float = -np.inf  # how far the SVM's margin of "none of ours" leads the best affair's (see `none_lead`)

    def decide(self, settings: ResolverSettings) -> Resolution:
        """The decision under these thresholds; a person weighing alternatives is asked, and a question is
        widened to the whole topic it stays inside.

        A decided leader with a second need is not decided: the words speak for two affairs, and the person
        may need both (身份证和驾驶证都丢了) or mean one of them (辞职了又在租房，公积金咋提). Either way they are
        asked which to start with, and the one not picked follows the guide (`Resolution.each`): a question
        costs one tap, a wrong affair a whole wrong guide."""
        if self.vague:
            return Resolution(None, vague=True)
        result = self._widened(self._unsure_between(self._decision(settings), settings), settings)
        if result.affair is not None and result.affair == self.leader and self.second_needs:
            return Resolution(None, [result.affair, self.second_needs[0]], result.candidates, each=True)
        return self._declined_as_not_ours(self._sounds_like_two(result), settings)

    def _declined_as_not_ours(self, result: Resolution, settings: ResolverSettings) -> Resolution:
        """A decided affair is declined when the SVM, which learns "none of ours" from the out-of-scope questions
        beside every affair, rates "none of ours" within `none_lead` of the best affair's margin. The ranker learns
        which of our affairs is meant, not whether the question is one of ours, so it can be sure of an affair for a
        near miss that shares its words. A question word for word typical of the affair is never declined, nor one
        whose affair the ranker gives at least SURE_AGAINST_NONE unless "none of ours" leads outright."""
        if result.affair is None or self.typical or self.none_lead < settings.none_lead:
            return result
        if self.none_lead < 0 and self._probability(result.affair) >= SURE_AGAINST_NONE:
            return result
        return Resolution(None, [], result.candidates)

    def _sounds_like_two(self, result: Resolution) -> Resolution:
        """A decided leader is offered beside its likeliest partner when the question sounds like one of two
        affairs (身份证不见了，后天要坐车，来得及吗: the reissue, or a temporary card?): the knowledge's questions of
        two affairs pair the two, and `two_affairs_evidence` reaches TWO_AFFAIRS_MIN. No word of the question
        names the partner (that is a second need), so the person is asked which they mean."""
        if result.affair is None or result.affair != self.leader or self.partner_evidence < TWO_AFFAIRS_MIN:
            return result
        return Resolution(None, [result.affair, self.partners[0]], result.candidates)

    def _probability(self, affair: str) -> float:
        """The ranker's probability for a shortlisted affair (0 for one not shortlisted)."""
        return next((c.score for c in self.ranked if c.id == affair), 0.0)

    @property
    def partner_evidence(self) -> float:
        """`two_affairs_evidence` for the likeliest partner (-inf when there is none)."""
        if not self.partners:
            return -math.inf
        return two_affairs_evidence(self.two_affairs, self._probability(self.partners[0]))

    def _unsure_between(self, result: Resolution, settings: ResolverSettings) -> Resolution:
        """A person who names alternatives (开公司好还是个体户好) is asked between the decided affair and
        every other candidate at least `alternatives` likely, rather than told which one it is."""
        if result.affair is None or not self.alternatives:
            return result
        others = [c.id for c in self.ranked if c.id != result.affair and c.score >= settings.alternatives]
        if not others:
            return result
        return replace(result, affair=None, clarify=[result.affair, *others][:settings.max_choices])

    def _widened(self, result: Resolution, settings: ResolverSettings) -> Resolution:
        """A question among two or more affairs of the umbrella topic the SVM reads best offers every affair
        of that topic (公积金咋取出来: rent, purchase and leave, not the two the ranker happened to rank)."""
        if len(result.clarify) < 2 or result.topic or self.umbrella_lead < settings.widen:
            return result
        if not set(result.clarify) <= set(self.umbrella):
            return result
        by_score = {c.id: c.score for c in self.ranked}
        offered = sorted(self.umbrella, key=lambda i: -by_score.get(i, 0.0))[:settings.max_choices]
        return replace(result, clarify=offered, topic=self.umbrella_topic)

    def _decision(self, settings: ResolverSettings) -> Resolution:
        """The decision on the ranking alone, before alternatives and the topic are considered."""
        if self.typical and self.leader is not None:
            return Resolution(self.leader, [], self.ranked[:settings.max_choices])
        sure_of_best = bool(self.ranked) and self.ranked[0].score >= settings.overrule
        limit = settings.not_ours if self.novel else settings.not_ours_known
        if self.not_ours >= limit and len(self.topic) < 2 and not sure_of_best:
            return Resolution(None, [], self.ranked[:settings.max_choices])  # the words say: someone else's
        if self.umbrella and self.umbrella_lead >= settings.umbrella:  # the shared topic only: ask which
            by_score = {c.id: c.score for c in self.ranked}
            offered = sorted(self.umbrella, key=lambda i: -by_score.get(i, 0.0))[:settings.max_choices]
            return Resolution(None, offered, self.ranked[:settings.max_choices], topic=self.umbrella_topic)
        if len(self.topic) >= 2 or not self.ranked:
            return decide(self.ranked, self.topic, settings)
        candidates = self.ranked[:settings.max_choices]
        leader = self.leader or self.ranked[0].id
        if not self.siblings and (leader != self.ranked[0].id or leader == self.named):
            return Resolution(leader, [], candidates)  # decided by a word, or named outright
        if leader != self.ranked[0].id:
            return Resolution(None, [leader, *self.siblings][:settings.max_choices], candidates)
        contenders = [c for c in self.ranked if c.id not in self.settled]
        result = decide(contenders, self.topic, settings)
        if result.affair is not None or result.clarify:
            result = replace(result, candidates=candidates)
        if not self.siblings:
            return result
        if result.clarify:  # unsure anyway: offer the open siblings too
            offered = list(dict.fromkeys([*result.clarify, *self.siblings]))
            return Resolution(None, offered[:settings.max_choices], candidates)
        # one subject, several affairs, no word that decides: ask among them, whether the ranker
        # leaned to one (a guess) or spread its probability so thin that none looked plausible alone
        by_score = {c.id: c.score for c in self.ranked}
        if by_score.get(leader, 0.0) + sum(by_score.get(i, 0.0) for i in self.siblings) < settings.plausible:
            return result
        return Resolution(None, [leader, *self.siblings][:settings.max_choices], candidates)


def two_affairs_evidence(two_affairs: float, partner: float) -> float:
    """How much a question sounds like one of two affairs, the leader and a partner the ranker gives `partner`: the
    two-affair model's probability, less TWO_AFFAIRS_PARTNER_WEIGHT for each tenfold by which the partner is less
    likely than certain (counted as at least TWO_AFFAIRS_PARTNER_MIN likely)."""
    return two_affairs + TWO_AFFAIRS_PARTNER_WEIGHT * math.log10(max(partner, TWO_AFFAIRS_PARTNER_MIN))


def lead_of_none(margins: np.ndarray) -> float:
    """How far the SVM's margin of "none of ours" (the last of `margins`) leads the best affair's; negative when an
    affair leads."""
    if margins.shape[0] < 2:
        return -np.inf
    return float(margins[-1] - margins[:-1].max())


def _names_more_than_its_certificate(word: str, labels: str) -> bool:
    """Whether an affair's joined names carry `word` other than as its certificate: 离婚 (to divorce) is not
    the reissue of a lost 离婚证, while 身份证 or 户口 is the subject of every affair that names it."""
    ends = [m.end() for m in re.finditer(re.escape(word), labels)]
    return any(labels[end:end + 1] != CERTIFICATE for end in ends)


def place_words(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Every way of naming a city or county, with its code and its city's: where a person is says nothing
    about what they need."""
    words = {}
    for place in catalog.places.values():
        for name in (place.name, *place.aliases, short_place_name(place.name)):
            if name:
                words[name] = (place.code, place.city_code)
    return words


def _named_by_few(word_sets: list[set[str]]) -> frozenset[str]:
    """The words in at most SUBJECT_OF_AT_MOST of these affairs' names: they say what (社保卡, 提取); a word in
    many names (补领, 登记) says how."""
    named_by = Counter(w for words in word_sets for w in words)
    return frozenset(w for w, n in named_by.items() if n <= SUBJECT_OF_AT_MOST)


def _word_shares(index: ExampleIndex) -> dict[str, dict[int, float]]:
    """For each word, the share of each affair's questions and phrasings that use it."""
    counts: dict[str, dict[int, int]] = {}
    totals: dict[int, int] = {}
    for example, words in zip(index.examples, index.example_words, strict=True):
        if example.kind not in QUERY_FIELDS:
            continue
        totals[example.owner] = totals.get(example.owner, 0) + 1
        for word in set(words):
            per = counts.setdefault(word, {})
            per[example.owner] = per.get(example.owner, 0) + 1
    return {w: {a: n / totals[a] for a, n in per.items()} for w, per in counts.items()}


def _partners(questions: tuple[TwoAffairQuestion, ...]) -> dict[str, frozenset[str]]:
    """For each affair, the affairs that a question of two affairs in the knowledge names beside it."""
    partners: dict[str, set[str]] = {}
    for question in questions:
        for affair in question.affairs:
            partners.setdefault(affair, set()).update(a for a in question.affairs if a != affair)
    return {affair: frozenset(others) for affair, others in partners.items()}


def _asked_between(questions: tuple[TwoAffairQuestion, ...], known: set[str]) -> dict[str, tuple[str, ...]]:
    """Each question of two affairs or more (normalised) and the known affairs it concerns: said word for word,
    the person is asked which of them they mean, as the knowledge (a maintainer, say) placed it."""
    between = {}
    for question in questions:
        affairs = tuple(a for a in question.affairs if a in known)
        if len(affairs) >= 2 and normalize(question.question):
            between[normalize(question.question)] = affairs
    return between


def _typical_questions(index: ExampleIndex) -> dict[str, int]:
    """Each typical question and phrasing (normalised) that belongs to exactly one affair, and its affair."""
    owners: dict[str, set[int]] = {}
    for example in index.examples:
        if example.kind in QUERY_FIELDS:
            owners.setdefault(normalize(example.text), set()).add(example.owner)
    return {text: next(iter(affairs)) for text, affairs in owners.items() if len(affairs) == 1 and text}


def decide(ranked: list[Candidate], topic: list[str], settings: ResolverSettings) -> Resolution:
    """The decision for candidates ranked by probability (best first).

    Sure: the best is likely enough and no rival comes close. Unsure: offer every plausible candidate
    (a single plausible one is offered for confirmation). Nothing plausible: no affair of ours, and
    nothing offered.
    """
    plausible = [c for c in ranked if c.score >= settings.plausible]
    if len(topic) >= 2:
        by_score = {c.id: c.score for c in ranked}
        ordered = sorted(topic, key=lambda i: -by_score.get(i, 0.0))[:settings.max_choices]
        return Resolution(None, ordered, ranked[:settings.max_choices])
    ranked = ranked[:settings.max_choices]
    if not plausible:  # nothing offered either: a choice holds only candidates that are each plausible
        return Resolution(None, [], ranked)
    best = plausible[0]
    rivals = [c for c in plausible[1:] if c.score >= best.score * settings.rival_ratio]
    if best.score >= settings.sure and not rivals:
        return Resolution(best.id, [], ranked)
    return Resolution(None, [c.id for c in plausible[:settings.max_choices]], ranked)


def _every_text(catalog: Catalog) -> Iterator[str]:
    """Every text the resolver learns from: each affair's examples, the near misses, umbrella questions and
    questions of two affairs."""
    for index, affair in enumerate(catalog.affairs.values()):
        yield from (e.text for e in affair_examples(index, affair, catalog.phrasings.get(affair.id, ())))
    yield from catalog.phrasings.get(OUT_OF_SCOPE, ())
    for umbrella in catalog.umbrellas.values():
        yield from umbrella.questions
    yield from (q.question for q in catalog.two_affairs)
