"""Helpers for the import tests: paths of the sample export, knowledge copies, running the CLI, reading results."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import shutil
from pathlib import Path
from typing import Any

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.knowledge.importing import yamlio
from bot.knowledge.importing.plan import slug
from bot.knowledge.source import plain

KNOWLEDGE = PROJECT_ROOT / "knowledge"
SAMPLE_DIR = PROJECT_ROOT / "tests" / "data" / "official_export"
SAMPLE_JSON = SAMPLE_DIR / "sample-export.json"
SAMPLE_CSV = SAMPLE_DIR / "csv"
MERGED_IDS = ("marriage-registration", "no-criminal-record", "social-security-card", "cross-region-medical-filing")


def sample() -> dict[str, Any]:
    """The sample export as plain JSON data."""
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


def basic_row(name: str) -> dict[str, Any]:
    """The 基本信息 row of the sample affair with this name."""
    return next(r for r in sample()["基本信息"] if r["事项名称"] == name)


def affair_id(name: str) -> str:
    """The id a new affair of the sample gets: its implementation code as a slug."""
    return slug(basic_row(name)["实施编码"])


def copy_knowledge(dest: Path) -> Path:
    """A copy of knowledge/ as dest/knowledge."""
    root = dest / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


def fingerprint(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(*argv: str) -> tuple[int, str]:
    """`python -m bot ARGV` in this process; its exit status and everything it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(argv))
    return code, out.getvalue()


def load_yaml(path: Path) -> Any:
    """A knowledge file as plain data."""
    return plain(yamlio.load(path.read_text(encoding="utf-8")))


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of the file containing `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def csv_rows(name: str) -> list[list[str]]:
    """The rows (heading first) of one CSV table of the sample."""
    with (SAMPLE_CSV / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def copy_csv_folder(dest: Path) -> Path:
    folder = dest / "csv"
    shutil.copytree(SAMPLE_CSV, folder)
    return folder


def make_xlsx(target: Path, csv_dir: Path = SAMPLE_CSV) -> Path:
    """The XLSX form of the sample (tests/data/official_export/make_xlsx.py) from a CSV folder."""
    spec = importlib.util.spec_from_file_location("make_xlsx", SAMPLE_DIR / "make_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_workbook(target, csv_dir)
