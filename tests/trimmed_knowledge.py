"""A copy of the real knowledge with fewer written questions, for tests of mechanisms (reloads, the resolver cache,
the maintainers' worked example and loop) whose point is not how well the whole knowledge understands people.

Every affair, situation, reply, office, umbrella topic and question of two affairs is kept; each affair keeps its
first phrasings and each out-of-scope topic its first questions. A full fit then takes seconds instead of about a
minute, and such tests fit several times.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
# Enough of each affair's phrasings for the ranker to learn from every style, and of each out-of-scope topic.
PHRASINGS_KEPT = 40
OUT_OF_SCOPE_KEPT = 40
# How the files list them: a phrasing, an out-of-scope question, and the start of an out-of-scope topic.
PHRASING = "  - "
OUT_OF_SCOPE_QUESTION = "      - "
OUT_OF_SCOPE_TOPIC = "  - topic:"


def copy_trimmed(destination: Path, phrasings: int = PHRASINGS_KEPT, out_of_scope: int = OUT_OF_SCOPE_KEPT) -> Path:
    """Copy knowledge/ to `destination` (which must not exist), keeping the first `phrasings` of each affair's
    phrasings and the first `out_of_scope` questions of each out-of-scope topic, in the files' own layout (so a
    test can append to them as a maintainer would). Returns `destination`."""
    shutil.copytree(KNOWLEDGE, destination)
    for path in sorted((destination / "phrasings").glob("*.yml")):
        _keep_first(path, PHRASING, phrasings)
    _keep_first(destination / "out_of_scope.yml", OUT_OF_SCOPE_QUESTION, out_of_scope, starts_over=OUT_OF_SCOPE_TOPIC)
    return destination


def _keep_first(path: Path, item: str, keep: int, starts_over: str | None = None) -> None:
    """Drop the list items (lines starting with `item`) after the first `keep`, counting again at each line that
    starts with `starts_over`; comments and every other line stay."""
    kept, count = [], 0
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if starts_over is not None and line.startswith(starts_over):
            count = 0
        elif line.startswith(item):
            count += 1
            if count > keep:
                continue
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
