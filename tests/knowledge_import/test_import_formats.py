"""Every form of the sample export (JSON; CSV folder, zip, sibling files, GBK; XLSX) reads to the same records."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from import_helpers import (
    KNOWLEDGE,
    SAMPLE_CSV,
    SAMPLE_JSON,
    copy_csv_folder,
    csv_rows,
    make_xlsx,
    sample,
    write_csv,
)

from bot.knowledge.importing.plan import place_codes
from bot.knowledge.importing.readers import read_export
from bot.knowledge.importing.records import Mapped, map_export


def _records(mapped: Mapped) -> tuple[list, list]:
    """What an import takes from the export, without the name of the file it came from."""
    affairs = []
    for affair in mapped.affairs:
        owned = {**affair.owned, "official": {k: v for k, v in affair.owned["official"].items() if k != "file"}}
        affairs.append((owned, affair.created, affair.warnings))
    return affairs, [(h.record, h.code, h.warnings) for h in mapped.halls]


def _read(path: Path) -> Mapped:
    return map_export(read_export(path), place_codes(KNOWLEDGE))


@pytest.fixture(scope="module")
def from_json() -> Mapped:
    return _read(SAMPLE_JSON)


class _GbkName(zipfile.ZipInfo):
    """A member whose name is stored in GBK without the UTF-8 flag."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's own name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip(tmp: Path) -> Path:
    """The CSV tables zipped with GBK-encoded member names and no UTF-8 flag, as Chinese Windows makes them."""
    target = tmp / "export.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(SAMPLE_CSV.glob("*.csv")):
            archive.writestr(_GbkName("导出/" + path.name), path.read_bytes())
    names = zipfile.ZipFile(target).namelist()
    assert not any("基本信息" in n for n in names), "the member names should be stored as GBK, not UTF-8"
    return target


def _siblings(tmp: Path) -> Path:
    """The tables as 2026导出_基本信息.csv, 2026导出_申请材料.csv ...: FILE names the basic table."""
    for path in SAMPLE_CSV.glob("*.csv"):
        (tmp / f"2026导出_{path.name}").write_bytes(path.read_bytes())
    return tmp / "2026导出_基本信息.csv"


def _gbk(tmp: Path) -> Path:
    folder = copy_csv_folder(tmp)
    for path in folder.glob("*.csv"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    return folder


@pytest.mark.parametrize("make", [
    pytest.param(lambda tmp: SAMPLE_CSV, id="csv-folder"),
    pytest.param(_zip, id="zip-with-gbk-names"),
    pytest.param(_siblings, id="basic-csv-with-siblings"),
    pytest.param(_gbk, id="gbk-csv"),
    pytest.param(lambda tmp: make_xlsx(tmp / "export.xlsx"), id="xlsx"),
])
def test_every_format_reads_to_the_same_records(tmp_path, from_json, make):
    other = _read(make(tmp_path))
    assert _records(other) == _records(from_json)
    assert other.provenance == from_json.provenance.__class__(**{**from_json.provenance.__dict__,
                                                                  "file": other.provenance.file})


def test_the_sample_is_marked_and_complete(from_json):
    data = sample()
    assert data["导出信息"]["样例"] is True and from_json.provenance.sample
    assert len(from_json.affairs) == len(data["基本信息"]) >= 20
    assert all(a.owned["materials"] and len(a.owned["faq"]) >= 3 for a in from_json.affairs)
    assert sum(1 for h in from_json.halls if "location" in h.record) >= 3
    marked = "样例导出数据（虚构，仅用于测试），不是真实办事指南"
    assert all(a.owned["source"].startswith(marked) for a in from_json.affairs)


def test_rows_know_where_they_are(from_json, tmp_path):
    """JSON items are counted (第 N 条), CSV rows are file lines, XLSX rows are sheet rows."""
    assert from_json.affairs[2].row.where() == "sample-export.json「基本信息」第 3 条"
    folder = _read(SAMPLE_CSV)
    assert folder.affairs[2].row.where() == "基本信息.csv「基本信息」第 4 行"
    workbook = _read(make_xlsx(tmp_path / "export.xlsx"))
    assert workbook.affairs[2].row.where() == "export.xlsx[基本信息]「基本信息」第 4 行"


def test_quoted_cells_spanning_lines_keep_the_line_where_the_row_starts(tmp_path):
    folder = copy_csv_folder(tmp_path)
    rows = csv_rows("基本信息")
    conditions = rows[0].index("受理条件")
    rows[1][conditions] = "1.第一条\n2.第二条\n3.第三条"
    write_csv(folder / "基本信息.csv", rows)
    mapped = _read(folder)
    assert mapped.affairs[0].owned["conditions"] == ["第一条", "第二条", "第三条"]
    assert mapped.affairs[1].row.number == 5  # row 2 spans lines 2-4
