"""Fixtures: the knowledge before the import, and one copy with the sample export imported through the CLI.

Validating the whole knowledge takes seconds and building the resolver about ten, so each is done once per
session; tests that change files or exports work on their own copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from import_helpers import KNOWLEDGE, SAMPLE_JSON, copy_knowledge, fingerprint, run_cli

from bot.knowledge.consistency import check
from bot.knowledge.source import Problem
from bot.knowledge.validate import validate


@dataclass(frozen=True)
class Imported:
    """A knowledge copy after `knowledge import sample-export.json`, and what the command and validate said."""

    root: Path
    code: int
    output: str
    after: dict[str, bytes]
    problems: list[Problem]
    warnings: list[Problem]


@pytest.fixture(scope="session")
def original_warnings() -> list[Problem]:
    """Consistency warnings of the knowledge as it is, before any import."""
    files, _ = validate(KNOWLEDGE)
    return check(files)


@pytest.fixture(scope="session")
def imported(tmp_path_factory) -> Imported:
    """The sample imported into a copy (do not change it: copy it)."""
    root = copy_knowledge(tmp_path_factory.mktemp("imported"))
    code, output = run_cli("knowledge", "import", str(SAMPLE_JSON), "--dir", str(root))
    after = fingerprint(root)
    files, problems = validate(root)
    return Imported(root, code, output, after, problems, check(files))
