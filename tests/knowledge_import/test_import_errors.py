"""Malformed exports get a clear Chinese message naming the file, table and row; nothing is written, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import (
    copy_csv_folder,
    copy_knowledge,
    csv_rows,
    fingerprint,
    make_xlsx,
    run_cli,
    sample,
    write_csv,
    write_json,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """A knowledge copy that no failed import may change, and its bytes."""
    root = copy_knowledge(tmp_path_factory.mktemp("pristine"))
    return root, fingerprint(root)


def _without_column(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    rows = csv_rows("基本信息")
    gone = rows[0].index("承诺办结时限")
    write_csv(folder / "基本信息.csv", [r[:gone] + r[gone + 1:] for r in rows])
    return folder, ["基本信息.csv 第 1 行（表头）", "「基本信息」表缺少列：承诺办结时限"]


def _bad_number_json(tmp: Path) -> tuple[Path, list[str]]:
    data = sample()
    data["基本信息"][4]["法定办结时限"] = "十五"
    return write_json(tmp / "export.json", data), ["export.json「基本信息」第 5 条“法定办结时限”",
                                                   "“十五”不是天数"]


def _bad_number_csv(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    rows = csv_rows("申请材料")
    rows[7][rows[0].index("纸质材料份数")] = "两份"
    write_csv(folder / "申请材料.csv", rows)
    return folder, ["申请材料.csv「申请材料」第 8 行“纸质材料份数”", "“两份”不是有效的整数"]


def _bad_number_xlsx(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    rows = csv_rows("服务大厅")
    rows[2][rows[0].index("纬度")] = "北纬30度"
    write_csv(folder / "服务大厅.csv", rows)
    return make_xlsx(tmp / "export.xlsx", folder), ["export.xlsx[服务大厅]「服务大厅」第 3 行“纬度”",
                                                    "“北纬30度”不是数字"]


def _utf16_csv(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    write_csv(folder / "基本信息.csv", csv_rows("基本信息"), encoding="utf-16")
    return folder, ["基本信息.csv：无法识别文件编码", "UTF-8"]


def _gbk_json(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.json"
    path.write_bytes((tmp / write_json(tmp / "x.json", sample()).name).read_text(encoding="utf-8").encode("gbk"))
    return path, ["export.json：JSON 文件不是 UTF-8 编码"]


def _empty_json(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.json"
    path.write_bytes(b"")
    return path, ["export.json：文件是空的"]


def _empty_csv(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    (folder / "申请材料.csv").write_bytes(b"")
    return folder, ["申请材料.csv：文件是空的"]


def _empty_xlsx(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.xlsx"
    path.write_bytes(b"")
    return path, ["export.xlsx：文件是空的"]


def _only_headings(tmp: Path) -> tuple[Path, list[str]]:
    folder = copy_csv_folder(tmp)
    write_csv(folder / "基本信息.csv", csv_rows("基本信息")[:1])
    return folder, ["「基本信息」表没有数据行"]


def _broken_json(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.json"
    text = write_json(tmp / "x.json", sample()).read_text(encoding="utf-8").replace('"事项名称": "失业登记",',
                                                                                  '"事项名称": "失业登记"', 1)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"事项名称": "失业登记"' in t) + 1
    return path, [f"export.json 第 {line} 行", "JSON 格式错误"]


def _unknown_code(tmp: Path) -> tuple[Path, list[str]]:
    data = sample()
    data["常见问题"][10]["实施编码"] = "NOSUCHCODE001"
    return write_json(tmp / "export.json", data), ["「常见问题」第 11 条“实施编码”",
                                                   "NOSUCHCODE001 不在「基本信息」表中"]


def _charged_without_amount(tmp: Path) -> tuple[Path, list[str]]:
    data = sample()
    data["基本信息"][1]["是否收费"] = "是"
    return write_json(tmp / "export.json", data), ["「基本信息」第 2 条“收费标准”", "没有写明金额"]


def _two_visits(tmp: Path) -> tuple[Path, list[str]]:
    data = sample()
    data["基本信息"][3]["到办事现场次数"] = "2"
    return write_json(tmp / "export.json", data), ["「基本信息」第 4 条“到办事现场次数”", "只记录 0 次或 1 次"]


def _not_xlsx(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.xlsx"
    path.write_text("这不是 Excel 文件", encoding="utf-8")
    return path, ["export.xlsx：无法打开这个 Excel 文件"]


def _unknown_type(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "export.txt"
    path.write_text("事项名称", encoding="utf-8")
    return path, ["export.txt：不认识的文件类型"]


def _missing_file(tmp: Path) -> tuple[Path, list[str]]:
    return tmp / "nowhere.json", ["找不到这个文件或文件夹"]


@pytest.mark.parametrize("make", [_without_column, _bad_number_json, _bad_number_csv, _bad_number_xlsx, _utf16_csv,
                                  _gbk_json, _empty_json, _empty_csv, _empty_xlsx, _only_headings, _broken_json,
                                  _unknown_code, _charged_without_amount, _two_visits, _not_xlsx, _unknown_type,
                                  _missing_file], ids=lambda f: f.__name__.strip("_"))
def test_malformed_export_is_explained_and_nothing_is_written(tmp_path, pristine, make):
    root, before = pristine
    path, fragments = make(tmp_path)
    code, output = run_cli("knowledge", "import", str(path), "--dir", str(root))
    assert code == 1, output
    for fragment in fragments:
        assert fragment in output, output
    assert "没有写入任何文件" in output
    assert "Traceback" not in output and "Error" not in output
    assert fingerprint(root) == before


def test_import_without_a_file_says_what_to_give(pristine):
    code, output = run_cli("knowledge", "import", "--dir", str(pristine[0]))
    assert code == 2 and "请给出导出文件" in output
