"""Validated knowledge into the catalog database, all or nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from bot.catalog.domain import OUT_OF_SCOPE
from bot.catalog.store import LoadReport, store_knowledge
from bot.knowledge.source import Problem, plain
from bot.knowledge.validate import KnowledgeFiles, validate


class KnowledgeInvalid(Exception):
    """Raised when the knowledge has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the knowledge")
        self.problems = problems


def records(files: KnowledgeFiles) -> dict:
    """Plain records of every file, ready to store."""
    offices = [o for f in files.offices for o in plain(f.data).get("offices", [])]
    return {
        "affairs": with_answers([plain(f.data) for f in files.affairs], files),
        "places": plain(files.places.data) if files.places else {},
        "offices": offices,
        "lexicon": plain(files.lexicon.data) if files.lexicon else {},
        "phrasings": phrasings(files),
        "umbrellas": plain(files.umbrellas.data).get("umbrellas", []) if files.umbrellas else [],
        "two_affairs": plain(files.two_affairs.data).get("questions", []) if files.two_affairs else [],
    }


def phrasings(files: KnowledgeFiles) -> dict[str, list[str]]:
    """How people ask, per affair id; the key "" holds the questions that are no affair of ours."""
    result = {str(f.data["affair"]): [str(t) for t in f.data["phrasings"]] for f in files.phrasings}
    if files.out_of_scope is not None:
        result[OUT_OF_SCOPE] = [str(q) for t in files.out_of_scope.data["topics"] for q in t["questions"]]
    return result


def with_answers(affairs: list[dict], files: KnowledgeFiles) -> list[dict]:
    """Affair records whose situation options carry the replies people give for them (`examples`)."""
    replies = {str(f.data["affair"]): plain(f.data)["answers"] for f in files.answers}
    for affair in affairs:
        given = replies.get(str(affair.get("id")), {})
        for question in affair.get("situations") or []:
            for option in question.get("options") or []:
                examples = given.get(str(question.get("id")), {}).get(str(option.get("value")))
                if examples:
                    option["examples"] = [str(e) for e in examples]
    return affairs


def load_knowledge(root: Path, engine: Engine) -> LoadReport:
    """Validate everything first; store only when there is no problem at all."""
    files, problems = validate(root)
    if problems:
        raise KnowledgeInvalid(problems)
    return store_knowledge(engine, **records(files))
