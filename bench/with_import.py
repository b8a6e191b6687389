"""`python -m bench --with-import [FILE]`: measure with an official export merged into a temporary knowledge copy."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import PROJECT_ROOT

SAMPLE_EXPORT = PROJECT_ROOT / "tests" / "data" / "official_export" / "sample-export.json"


@contextmanager
def merged_copy(knowledge: Path, export: Path) -> Iterator[tuple[Path, str]]:
    """A temporary copy of `knowledge` with `export` imported, and a one-line account; removed afterwards."""
    from bot.knowledge.importing.merge import plan_import
    from bot.knowledge.importing.plan import NEW, UPDATED, apply, place_codes
    from bot.knowledge.importing.readers import read_export
    from bot.knowledge.importing.records import map_export

    with tempfile.TemporaryDirectory(prefix="bench-knowledge-") as folder:
        root = Path(folder) / "knowledge"
        shutil.copytree(knowledge, root)
        plan = plan_import(map_export(read_export(export), place_codes(root)), root)
        apply(plan)
        added = sum(1 for o in plan.of("事项") if o.status == NEW)
        updated = sum(1 for o in plan.of("事项") if o.status == UPDATED)
        yield root, f"imported {export.name} into a temporary copy: {added} affairs added, {updated} updated"
