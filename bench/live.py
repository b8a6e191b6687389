"""The maintainers' loop, timed: a question placed in the console, until the running resolver decides it.

The path is the one the console and the action server take, in one process and without HTTP or Rasa: the
console's `Maintainer.assign` edits a temporary copy of the knowledge, validates it and loads it into a
catalog database file; a `CatalogProvider` polling that database at the configured reload interval (as the
action server's does) notices the new version and serves an extended resolver. The figure is the time
from the assignment to the first resolve that names the affair, so it includes the wait for the next poll.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.catalog.provider import CatalogProvider

LIVE_TARGET_S = 5.0
POLL_EVERY_S = 0.05  # how often the loop asks, standing in for citizens' messages
GIVE_UP_AFTER_S = 60.0
# worded as nobody in the knowledge words it; each is placed once, in this order, under its affair
PLACEMENTS: tuple[tuple[str, str], ...] = (
    ("弄堂口馄饨摊墙上要挂的那张纸", "food-business-license"),
    ("买来的老房子那几块表要过到阿拉名下", "utilities-transfer"),
)


@dataclass(frozen=True)
class Placement:
    """One assignment's timings, in seconds (`live` is None when the affair was never decided)."""

    question: str
    affair: str
    decided_before: bool
    assign: float
    live: float | None


@contextmanager
def _workspace(knowledge: Path) -> Iterator[tuple[Path, Path]]:
    """A temporary copy of the knowledge and a folder for the databases and the regression file."""
    with tempfile.TemporaryDirectory(prefix="bench-live-") as folder:
        root = Path(folder) / "knowledge"
        shutil.copytree(knowledge, root)
        yield root, Path(folder)


def measure_live(knowledge: Path, interval: float, placements: Sequence[tuple[str, str]] = PLACEMENTS,
                 ) -> list[Placement]:
    """Place each question under its affair in turn and time how soon the polling resolver decides it."""
    from bot.catalog.db import engine_for as catalog_engine_for
    from bot.catalog.provider import CatalogProvider
    from bot.console.maintain import Maintainer
    from bot.console.store import create_tables
    from bot.console.store import engine_for as console_engine_for
    from bot.knowledge.load import load_knowledge

    figures = []
    with _workspace(knowledge) as (root, folder):
        catalog_url = f"sqlite:///{folder / 'catalog.db'}"
        load_knowledge(root, catalog_engine_for(catalog_url))
        console_engine = console_engine_for(f"sqlite:///{folder / 'console.db'}")
        create_tables(console_engine)
        maintainer = Maintainer(root, lambda: catalog_engine_for(catalog_url), console_engine,
                                folder / "maintainers.tsv")
        maintainer.warm()
        provider = CatalogProvider(catalog_engine_for(catalog_url), interval)
        for question, affair in placements:
            decided_before = provider.current().resolver.resolve(question).affair == affair
            started = time.monotonic()
            outcome = maintainer.assign(question, affair, "bench")
            if not outcome.ok:
                raise RuntimeError(f"the knowledge copy refused {question!r} under {affair}: {outcome.problems}")
            assigned = time.monotonic() - started
            figures.append(Placement(question, affair, decided_before, assigned,
                                     _until_decided(provider, question, affair, started)))
            provider.wait_for_refit()  # the next placement starts from a fully fitted resolver, as it would in use
    return figures


def _until_decided(provider: CatalogProvider, question: str, affair: str, started: float) -> float | None:
    """Seconds from `started` to the first resolve naming `affair`, or None after GIVE_UP_AFTER_S."""
    while (elapsed := time.monotonic() - started) < GIVE_UP_AFTER_S:
        if provider.current().resolver.resolve(question).affair == affair:
            return elapsed
        time.sleep(POLL_EVERY_S)
    return None
