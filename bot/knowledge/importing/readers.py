"""An export file (JSON; CSV folder, zip or sibling files; XLSX) into tables of rows that know their row numbers.

Headings are mapped to the standard column names here, so the rest of the import never sees how a file spelled
them. Every problem (empty file, unknown encoding, missing column, broken JSON) is collected with its place.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bot.knowledge.importing.official import (
    BASIC,
    COLUMNS,
    FAQ,
    HALLS,
    META,
    REQUIRED_TABLES,
    TABLE_NAMES,
    Problems,
    Row,
    column_for,
    table_for,
)

ENCODINGS = ("utf-8-sig", "gb18030")  # exports from Excel on Windows are often GBK


@dataclass
class Export:
    """The tables of one export, with its metadata and what was noticed while reading."""

    file: Path
    meta: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def rows(self, table: str) -> list[Row]:
        """The rows of a table (empty when the export has none)."""
        return self.tables.get(table, [])


def read_export(path: Path) -> Export:
    """Read an export by its extension (or a folder of CSV files); raise ExportError listing every problem."""
    problems = Problems()
    export = Export(file=path)
    if not path.exists():
        problems.add(str(path), "找不到这个文件或文件夹：请检查路径")
        problems.raise_if_any()
    suffix = path.suffix.lower()
    if path.is_dir():
        _read_csv_sources(export, _folder_sources(path, problems), problems)
    elif path.stat().st_size == 0:
        problems.add(path.name, "文件是空的：请重新导出")
    elif suffix == ".json":
        _read_json(export, path, problems)
    elif suffix == ".csv":
        _read_csv_sources(export, _sibling_sources(path, problems), problems)
    elif suffix == ".zip":
        _read_csv_sources(export, _zip_sources(path, problems), problems)
    elif suffix in (".xlsx", ".xlsm"):
        _read_xlsx(export, path, problems)
    elif suffix == ".xls":
        problems.add(path.name, "不支持旧版 Excel（.xls）：请在 Excel 中“另存为” .xlsx 后再导入")
    else:
        problems.add(path.name, "不认识的文件类型：请提供 .json、.csv（或 CSV 文件夹、.zip）或 .xlsx 格式的导出文件")
    problems.raise_if_any()
    for table in REQUIRED_TABLES:
        if table not in export.tables:
            problems.add(path.name, f"缺少「{table}」表：导出文件应包含 {'、'.join(REQUIRED_TABLES)} 等表")
        elif not export.tables[table] and table == BASIC:
            problems.add(path.name, f"「{table}」表没有数据行：请确认导出时选中了事项")
    problems.raise_if_any()
    for table, label in ((FAQ, "常见问题"), (HALLS, "服务大厅")):
        if table not in export.tables:
            export.notes.append(f"导出文件里没有「{label}」表")
    if not export.meta:
        export.notes.append("导出文件里没有「导出信息」（版本、导出日期）：来源中将注明“未注明”")
    return export


def text_of(value: Any) -> str:
    """A cell or JSON value as text: whole numbers without “.0”, dates as YYYY-MM-DD, lists joined by “、”."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


# ---- JSON ---------------------------------------------------------------------------------------------------------

def _read_json(export: Export, path: Path, problems: Problems) -> None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(path.name, "JSON 文件不是 UTF-8 编码：请用 UTF-8 重新导出或另存")
        return
    except OSError as error:
        problems.add(path.name, f"无法读取文件（{error.__class__.__name__}）")
        return
    if not text.strip():
        problems.add(path.name, "文件是空的：请重新导出")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problems.add(f"{path.name} 第 {error.lineno} 行第 {error.colno} 列", "JSON 格式错误：请检查这一处附近的逗号、"
                                                                       "引号和括号是否成对")
        return
    if not isinstance(data, dict):
        problems.add(path.name, "JSON 的最外层应是一个对象，按表名（基本信息、申请材料、常见问题、服务大厅）列出各表")
        return
    for key, value in data.items():
        table = table_for(str(key))
        if table is None:
            export.notes.append(f"忽略了不认识的表“{key}”")
        elif table == META:
            if isinstance(value, dict):
                export.meta = _meta_values(value.items())
            else:
                problems.add(f"{path.name}「{key}」", "导出信息应是一个对象，如 {\"版本\": \"…\", \"导出日期\": \"…\"}")
        elif not isinstance(value, list):
            problems.add(f"{path.name}「{key}」", "应是一个数组，每一项是一条记录")
        else:
            export.tables[table] = _json_rows(table, value, path.name, problems)


def _json_rows(table: str, items: list[Any], origin: str, problems: Problems) -> list[Row]:
    rows: list[Row] = []
    missing: dict[str, list[int]] = {}
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.add(f"{origin}「{table}」第 {number} 条", "应是一个对象（列名: 值）")
            continue
        values = {}
        for key, value in item.items():
            column = column_for(table, str(key))
            if column is not None:
                values[column] = text_of(value)
        for column in COLUMNS[table]:
            if column.required and column.name not in values:
                missing.setdefault(column.name, []).append(number)
        rows.append(Row(table, number, values, origin, unit="条"))
    for column, numbers in missing.items():
        if len(numbers) == len(items):
            problems.add(f"{origin}「{table}」", f"缺少列“{column}”：每条记录都没有这一项，请核对列名")
        else:
            shown = "、".join(str(n) for n in numbers[:10]) + ("……" if len(numbers) > 10 else "")
            problems.add(f"{origin}「{table}」第 {shown} 条", f"缺少“{column}”")
    return rows


def _meta_values(pairs: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    meta = {}
    for key, value in pairs:
        column = column_for(META, str(key))
        if column is not None:
            meta[column] = text_of(value)
    return meta


# ---- CSV ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Source:
    """One CSV table's bytes and the name to show for it."""

    table: str
    origin: str
    data: bytes


def _sources_from(named: Iterable[tuple[str, str, Any]], problems: Problems) -> list[_Source]:
    """CSV sources from (stem, origin, loader) triples; a table given twice is a problem."""
    found: dict[str, _Source] = {}
    for stem, origin, load in named:
        table = table_for(stem)
        if table is None:
            continue
        if table in found:
            problems.add(origin, f"「{table}」表出现了两次（另一份是 {found[table].origin}）：请只保留一份")
            continue
        try:
            found[table] = _Source(table, origin, load())
        except OSError as error:
            problems.add(origin, f"无法读取文件（{error.__class__.__name__}）")
    return list(found.values())


def _folder_sources(folder: Path, problems: Problems) -> list[_Source]:
    files = sorted(folder.glob("*.csv"))
    return _sources_from(((f.stem, f.name, f.read_bytes) for f in files), problems)


def _sibling_sources(path: Path, problems: Problems) -> list[_Source]:
    """The basic table FILE and the other tables beside it, named with the same prefix (样例_申请材料.csv)."""
    stem = path.stem
    known = [n for names in TABLE_NAMES.values() for n in names if len(n) > 1 and stem.lower().endswith(n)]
    prefix = stem[: -len(max(known, key=len))] if known else ""
    candidates = [path]
    for names in TABLE_NAMES.values():
        for name in names:
            sibling = path.with_name(f"{prefix}{name}.csv")
            if sibling.exists() and sibling != path and sibling not in candidates:
                candidates.append(sibling)
    sources = _sources_from(((f.stem, f.name, f.read_bytes) for f in candidates), problems)
    if not any(s.table == BASIC for s in sources):  # FILE named otherwise: it is the basic table
        sources.insert(0, _Source(BASIC, path.name, path.read_bytes()))
    return sources


def _zip_sources(path: Path, problems: Problems) -> list[_Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        problems.add(path.name, "不是有效的 zip 压缩包：请重新打包 CSV 文件")
        return []
    with archive:
        members = []
        for info in archive.infolist():
            name = info.filename
            if not info.flag_bits & 0x800:  # zips made on Chinese Windows store names in GBK
                try:
                    name = name.encode("cp437").decode("gbk")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            member = PurePosixPath(name)
            if member.suffix.lower() == ".csv" and not info.is_dir():
                members.append((member.stem, f"{path.name}/{member.name}", info))
        return _sources_from(((stem, origin, lambda i=info: archive.read(i)) for stem, origin, info in members),
                             problems)


def _decode(source: _Source, problems: Problems) -> str | None:
    """The CSV text: UTF-8, else GB18030 when that gives a heading of the table; else a clear problem."""
    if not source.data.strip():
        problems.add(source.origin, "文件是空的：请重新导出")
        return None
    for encoding in ENCODINGS:
        try:
            text = source.data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == ENCODINGS[0] or _known_heading(source.table, text):
            return text
    problems.add(source.origin, "无法识别文件编码：请把文件另存为 UTF-8（或 GBK/GB18030）编码的 CSV 后再导入")
    return None


def _known_heading(table: str, text: str) -> bool:
    try:
        first = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return False
    return any(column_for(table, cell) for cell in first)


def _read_csv_sources(export: Export, sources: list[_Source], problems: Problems) -> None:
    for source in sources:
        text = _decode(source, problems)
        if text is None:
            continue
        rows = _table_rows(source.table, _csv_lines(text, source.origin, problems), source.origin, problems)
        if source.table == META:
            export.meta = _meta_from_rows(rows)
        elif rows is not None:
            export.tables[source.table] = rows


def _csv_lines(text: str, origin: str, problems: Problems) -> list[tuple[int, list[Any]]]:
    """(line number, cells) of every row; quoted cells may span lines, so the number is where the row starts."""
    reader = csv.reader(io.StringIO(text))
    lines = []
    start = 1
    try:
        for cells in reader:
            lines.append((start, cells))
            start = reader.line_num + 1
    except csv.Error:
        problems.add(f"{origin} 第 {reader.line_num} 行", "CSV 格式错误：请检查引号是否成对")
    return lines


# ---- XLSX ---------------------------------------------------------------------------------------------------------

def _read_xlsx(export: Export, path: Path, problems: Problems) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        problems.add(path.name, "无法打开这个 Excel 文件：请确认它是 .xlsx 格式，并在 Excel 中另存一次后再导入")
        return
    try:
        for sheet in workbook.worksheets:
            table = table_for(sheet.title)
            if table is None:
                export.notes.append(f"忽略了不认识的工作表“{sheet.title}”")
                continue
            origin = f"{path.name}[{sheet.title}]"
            lines = [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
            rows = _table_rows(table, lines, origin, problems)
            if table == META:
                export.meta = _meta_from_rows(rows)
            elif rows is not None:
                export.tables[table] = rows
    finally:
        workbook.close()


# ---- tables of cells (CSV and XLSX) -------------------------------------------------------------------------------

def _table_rows(table: str, lines: list[tuple[int, list[Any]]], origin: str,
                problems: Problems) -> list[Row] | None:
    """Rows keyed by standard column from a heading line and data lines; blank lines are skipped."""
    lines = [(n, [text_of(c) for c in cells]) for n, cells in lines]
    lines = [(n, cells) for n, cells in lines if any(cells)]
    if not lines:
        problems.add(origin, "没有内容：第一行应是列名，下面每行一条记录")
        return None
    head_number, headings = lines[0]
    if table == META and {"项目", "值"} <= set(headings):  # a two-column key/value layout
        key, value = headings.index("项目"), headings.index("值")
        pairs = [(c[key], c[value] if value < len(c) else "") for _, c in lines[1:] if key < len(c)]
        return [Row(table, head_number + 1, _meta_values(pairs), origin)]
    columns = [column_for(table, h) for h in headings]
    missing = [c.name for c in COLUMNS[table] if c.required and c.name not in columns]
    if missing:
        problems.add(f"{origin} 第 {head_number} 行（表头）",
                     f"「{table}」表缺少列：{'、'.join(missing)}。请核对列名是否与标准一致")
        return None
    twice = {c for c in columns if c and columns.count(c) > 1}
    if twice:
        problems.add(f"{origin} 第 {head_number} 行（表头）", f"列 {'、'.join(sorted(twice))} 出现了两次：请只保留一列")
        return None
    rows = []
    for number, cells in lines[1:]:
        extra = [c for c in cells[len(headings):] if c]
        if extra:
            problems.add(f"{origin}「{table}」第 {number} 行", f"这一行有 {len(cells)} 个值，比表头多"
                                                             f"（{len(headings)} 列）：请检查是否有未加引号的逗号")
        values = {col: cells[i] for i, col in enumerate(columns) if col and i < len(cells)}
        rows.append(Row(table, number, values, origin))
    return rows


def _meta_from_rows(rows: list[Row] | None) -> dict[str, str]:
    if not rows:
        return {}
    return {k: v for k, v in rows[0].values.items() if v}
