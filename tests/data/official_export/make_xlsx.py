"""Build the XLSX form of the sample export from its CSV tables: one sheet per table, every cell as text.

    .venv/bin/python tests/data/official_export/make_xlsx.py /tmp/sample-export.xlsx

The tests call `write_workbook` at run time, so no binary file is kept in the repository.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSV_DIR = HERE / "csv"
SHEETS = ("导出信息", "基本信息", "申请材料", "常见问题", "服务大厅")


def write_workbook(target: Path, csv_dir: Path = CSV_DIR) -> Path:
    """Write the CSV tables of `csv_dir` into one workbook at `target`; return its path."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in SHEETS:
        sheet = workbook.create_sheet(name)
        with (csv_dir / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("sample-export.xlsx")
    print(write_workbook(out))
