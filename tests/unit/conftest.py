"""Fixtures for the unit tests: the real knowledge, one in-memory snapshot, a broken copy, loaded SQLite files.

Validating the whole knowledge folder takes a few seconds (ruamel round-trip parsing of every file), so each
expensive thing is built once per session: the snapshot, the validation of the real folder, one broken copy that
holds every kind of mistake (each in its own file, so each can be located and none hides another), and one SQLite
file loaded from the real knowledge that tests copy when they need a fresh database.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from unit_helpers import BREAKS, KNOWLEDGE, Expected, copy_knowledge

from bot.catalog.db import engine_for
from bot.catalog.provider import Snapshot, snapshot_from_knowledge
from bot.knowledge.load import load_knowledge
from bot.knowledge.source import Problem
from bot.knowledge.validate import KnowledgeFiles, validate


@dataclass(frozen=True)
class Broken:
    """The broken copy: its root, what each break must report, and what validate() found."""

    root: Path
    expected: dict[str, list[Expected]]
    problems: list[Problem]


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    """The catalog and resolver straight from knowledge/ (in-memory database); built once."""
    return snapshot_from_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def catalog(snapshot):
    return snapshot.catalog


@pytest.fixture(scope="session")
def resolver(snapshot):
    return snapshot.resolver


@pytest.fixture(scope="session")
def real_validation() -> tuple[KnowledgeFiles, list[Problem]]:
    """validate() of the real knowledge folder."""
    return validate(KNOWLEDGE)


@pytest.fixture(scope="session")
def broken(tmp_path_factory) -> Broken:
    """A copy of knowledge/ with one mistake of every kind, each in a different file, validated once."""
    root = copy_knowledge(tmp_path_factory.mktemp("broken"))
    expected = {name: make(root) for name, make in BREAKS.items()}
    _, problems = validate(root)
    return Broken(root, expected, problems)


@dataclass(frozen=True)
class LoadedDb:
    """A SQLite file loaded from the real knowledge, and the report of that first load."""

    path: Path
    report: object

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory) -> LoadedDb:
    """The real knowledge loaded into a fresh SQLite file (do not write to it: copy it with `fresh_db`)."""
    path = tmp_path_factory.mktemp("template") / "x.db"
    report = load_knowledge(KNOWLEDGE, engine_for(f"sqlite:///{path}"))
    return LoadedDb(path, report)


@pytest.fixture
def fresh_db(tmp_path, loaded_db):
    """An engine on a private copy of the loaded SQLite file."""
    path = tmp_path / "x.db"
    shutil.copyfile(loaded_db.path, path)
    return engine_for(f"sqlite:///{path}")
