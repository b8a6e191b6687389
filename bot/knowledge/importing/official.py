"""The national 政务服务事项实施清单 exchange format: tables, columns, and parsing of its values.

Every parse function takes the row it reads from and a list to collect problems in, so one pass reports every
mistake of an export with its file and row, and nothing raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BASIC, MATERIALS, FAQ, HALLS, META = "基本信息", "申请材料", "常见问题", "服务大厅", "导出信息"

# accepted names of each table: JSON keys, CSV file stems, XLSX sheet names
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    BASIC: (BASIC, "事项基本信息", "基本信息表", "basic"),
    MATERIALS: (MATERIALS, "申请材料表", "材料", "materials"),
    FAQ: (FAQ, "常见问题表", "问答", "faq"),
    HALLS: (HALLS, "服务大厅表", "办理地点", "大厅", "halls"),
    META: (META, "元数据", "meta"),
}
REQUIRED_TABLES = (BASIC, MATERIALS)


@dataclass(frozen=True)
class Column:
    """A column of a table: its standard name, whether it must be there, other headings that mean it."""

    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()


def _cols(*specs: str) -> tuple[Column, ...]:
    """Columns from "名称" (required), "名称?" (optional) and "名称?=别名|别名" specs."""
    result = []
    for spec in specs:
        name, _, aliases = spec.partition("=")
        result.append(Column(name.rstrip("?"), not name.endswith("?"), tuple(a for a in aliases.split("|") if a)))
    return tuple(result)


COLUMNS: dict[str, tuple[Column, ...]] = {
    BASIC: _cols("事项名称", "基本编码", "实施编码", "实施主体=实施机构", "服务对象", "受理条件",
                 "法定办结时限", "法定办结时限单位", "承诺办结时限", "承诺办结时限单位",
                 "到办事现场次数=到现场次数|跑动次数", "办理形式", "是否收费", "收费依据?", "收费标准?",
                 "办理地点", "办理时间", "咨询方式=咨询电话", "监督投诉方式=投诉方式|监督电话",
                 "网上办理深度", "办件类型", "事项类型?", "部门?=主管部门", "行使层级?", "设定依据?=法律依据",
                 "送达方式?", "事项简称?=简称"),
    MATERIALS: _cols("实施编码", "材料名称", "材料类型", "材料形式", "材料必要性", "纸质材料份数=份数",
                     "来源渠道=来源", "填报须知?", "备注?"),
    FAQ: _cols("实施编码", "问题", "解答=回答|答复"),
    HALLS: _cols("名称=大厅名称", "地址", "办公时间", "联系电话=电话", "经度?", "纬度?", "区划代码",
                 "服务区划?", "大厅类型?", "服务事项类别?", "预约方式?", "大厅编码?"),
    META: _cols("版本?", "导出日期?", "来源?", "样例?"),
}


def heading(text: str) -> str:
    """A heading as compared: no spaces, ASCII parentheses and slashes as in the standard."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def column_for(table: str, text: str) -> str | None:
    """The standard column a heading of `table` stands for, if any."""
    key = heading(text)
    for column in COLUMNS[table]:
        if key == column.name or key in column.aliases:
            return column.name
    return None


def table_for(name: str) -> str | None:
    """The table a JSON key, CSV file stem or sheet name stands for."""
    key = heading(name).lower()
    for table, names in TABLE_NAMES.items():
        if key in names:
            return table
    for table, names in TABLE_NAMES.items():  # 样例_基本信息.csv, 2026导出-申请材料
        if any(key.endswith(n) and len(n) > 1 for n in names if not n.isascii()):
            return table
    return None


@dataclass(frozen=True)
class Row:
    """One data row of a table: values by standard column, and where it is in the file."""

    table: str
    number: int
    values: dict[str, str]
    origin: str  # the file (and sheet or member) it came from
    unit: str = "行"  # 行 for CSV/XLSX rows, 条 for JSON items

    def get(self, column: str) -> str:
        """The text of a column ('' when empty or absent)."""
        return self.values.get(column, "")

    def where(self, column: str | None = None) -> str:
        """Where to look: file, table, row (and column)."""
        place = f"{self.origin}「{self.table}」第 {self.number} {self.unit}"
        return place + (f"“{column}”" if column else "")


@dataclass(frozen=True)
class ExportProblem:
    """A mistake in the export, with where to find it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


class ExportError(Exception):
    """The export cannot be imported; `problems` says why and where."""

    def __init__(self, problems: list[ExportProblem]):
        super().__init__(f"{len(problems)} problem(s) in the export")
        self.problems = problems


@dataclass
class Problems:
    """Problems collected while reading one export."""

    items: list[ExportProblem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem."""
        self.items.append(ExportProblem(where, message))

    def at(self, row: Row, column: str, message: str) -> None:
        """Record a problem with a value of a row."""
        self.add(row.where(column), message)

    def raise_if_any(self) -> None:
        """Stop with every problem found so far."""
        if self.items:
            raise ExportError(list(self.items))


# ---- values -------------------------------------------------------------------------------------------------------

NUMBER = re.compile(r"^\d+(\.\d+)?$")
UNITS = {"工作日": "工作日", "个工作日": "工作日", "自然日": "自然日", "个自然日": "自然日", "日": "自然日",
         "天": "自然日"}
ON_THE_SPOT = {"即办", "即时办结", "当场办结", "立即办结", "当场"}
NO_LIMIT = {"", "无", "无法定时限", "无规定", "不涉及", "/", "-"}
CASE_TYPES = {"即办件": "即办件", "即办": "即办件", "承诺件": "承诺件", "承诺": "承诺件", "上报件": "上报件"}
DEPTHS = {"Ⅰ": "Ⅰ级", "Ⅱ": "Ⅱ级", "Ⅲ": "Ⅲ级", "Ⅳ": "Ⅳ级", "IV": "Ⅳ级", "III": "Ⅲ级", "II": "Ⅱ级", "I": "Ⅰ级",
          "1": "Ⅰ级", "2": "Ⅱ级", "3": "Ⅲ级", "4": "Ⅳ级", "一": "Ⅰ级", "二": "Ⅱ级", "三": "Ⅲ级", "四": "Ⅳ级"}
YES = {"是", "收费", "有", "true", "1", "y", "yes"}
NO = {"否", "不收费", "免费", "无", "false", "0", "n", "no"}
FORMS = {"原件": "original", "复印件": "copy", "原件和复印件": "original_and_copy", "原件及复印件": "original_and_copy",
         "原件或复印件": "original_and_copy"}
MEDIA = {"纸质": "paper", "电子": "electronic", "纸质和电子": "paper_or_electronic",
         "纸质或电子": "paper_or_electronic", "纸质、电子": "paper_or_electronic", "电子或纸质": "paper_or_electronic"}
NECESSITY = {"必要": "必要", "必需": "必要", "非必要": "非必要", "非必需": "非必要", "容缺": "容缺"}
TYPES = ("行政许可", "行政确认", "行政给付", "行政征收", "公共服务", "其他行政权力")


def integer(row: Row, column: str, problems: Problems, *, minimum: int = 0) -> int | None:
    """A whole number (“2次”, “2份” allowed); None when empty; a problem when it is not a number."""
    text = row.get(column).rstrip("次份个件")
    if not text:
        return None
    if not re.fullmatch(r"\d+(\.0+)?", text) or int(float(text)) < minimum:
        least = "" if minimum == 0 else f"，且不小于 {minimum}"
        problems.at(row, column, f"“{row.get(column)}”不是有效的整数：请填写阿拉伯数字{least}")
        return None
    return int(float(text))


def days(row: Row, column: str, problems: Problems, *, required: bool) -> int | None:
    """A time limit in days: 0 for 即办, None for no legal limit."""
    text = heading(row.get(column))
    if text in ON_THE_SPOT:
        return 0
    if text in NO_LIMIT:
        if required:
            problems.at(row, column, "不能为空：请填写天数，当场办结的填 0")
        return None
    number = re.fullmatch(r"(\d+)(个?(工作日|自然日|日|天))?", text)
    if not number:
        problems.at(row, column, f"“{row.get(column)}”不是天数：请填写阿拉伯数字，如 20")
        return None
    return int(number.group(1))


def unit(row: Row, column: str, problems: Problems, *, needed: bool) -> str | None:
    """工作日 or 自然日; None when empty and not needed."""
    text = heading(row.get(column))
    if not text:
        if needed:
            problems.at(row, column, "不能为空：请填写“工作日”或“自然日”")
        return None
    if text not in UNITS:
        problems.at(row, column, f"“{text}”不是时限单位：请填写“工作日”或“自然日”")
        return None
    return UNITS[text]


def choice(row: Row, column: str, allowed: dict[str, str], problems: Problems, *, required: bool = True) -> str | None:
    """A value from a closed list (材料类型, 办件类型 ...)."""
    text = heading(row.get(column))
    if not text and not required:
        return None
    if text not in allowed:
        problems.at(row, column, f"“{row.get(column)}”不是可选的值：请填写 {'、'.join(allowed)} 之一")
        return None
    return allowed[text]


def depth(row: Row, column: str, problems: Problems) -> str | None:
    """网上办理深度 as Ⅰ级 … Ⅳ级, from “全程网办（Ⅳ级）”, “Ⅲ级”, “4” ...; None when empty."""
    text = heading(row.get(column)).upper()
    if not text or text in NO_LIMIT:
        return None
    found = re.search(r"(IV|III|II|I|[ⅠⅡⅢⅣ1-4一二三四])级?", text)
    if found is None and "全程网办" in text:
        return "Ⅳ级"
    if found is None:
        problems.at(row, column, f"“{row.get(column)}”不是网上办理深度：请写 Ⅰ级、Ⅱ级、Ⅲ级 或 Ⅳ级")
        return None
    return DEPTHS[found.group(1)]


def yes_no(row: Row, column: str, problems: Problems) -> bool | None:
    """是/否 (收费/不收费)."""
    text = heading(row.get(column)).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    problems.at(row, column, f"“{row.get(column)}”看不出是或否：请填写“是”或“否”")
    return None


def amount(text: str) -> float | None:
    """The first amount in yuan in a fee text (“工本费40元” → 40), or None."""
    found = re.search(r"(\d+(?:\.\d+)?)\s*元", text) or re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", text)
    return float(found.group(1)) if found else None


def coordinate(row: Row, column: str, low: float, high: float, problems: Problems) -> float | None:
    """A longitude or latitude in degrees within Zhejiang's surroundings; None when empty."""
    text = row.get(column)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.at(row, column, f"“{text}”不是数字：请填写十进制度数，如 120.15")
        return None
    if not low <= value <= high:
        problems.at(row, column, f"{text} 不在浙江一带（应在 {low} 到 {high} 之间）：请检查是否填反了经纬度")
        return None
    return value


def place_codes(text: str) -> list[str]:
    """Six-digit division codes from a list such as “330106000000、330108”."""
    codes = []
    for part in re.split(r"[\s,，、;；/]+", text.strip()):
        if re.fullmatch(r"\d{6}(\d{6})?", part):
            code = part[:6]
            if code not in codes:
                codes.append(code)
    return codes


def split_items(text: str) -> list[str]:
    """受理条件 / 设定依据 split into items: by lines, semicolons or numbering (1. （1） ①)."""
    text = text.replace("\r", "\n")
    text = re.sub(r"(?:^|(?<=[。；;\n]))\s*(?:\d+[.、．]|[（(]\d+[）)]|[①-⑳])\s*", "\n", text)
    parts = re.split(r"[\n；;]+", text)
    items = []
    for part in parts:
        item = re.sub(r"^\s*(?:\d+[.、．]|[（(]\d+[）)]|[①-⑳])\s*", "", part).strip().rstrip("。").strip()
        if len(item) >= 2 and item not in items:
            items.append(item)
    return items


def one_line(text: str) -> str:
    """A text on one line (line breaks become ；), trimmed."""
    return re.sub(r"\s*\n\s*", "；", text.replace("\r", "\n").strip())


def level_of(row: Row) -> str:
    """province / city / county: the lowest level named in 行使层级, else read from the 实施主体's name."""
    stated = [t for t in re.split(r"[、,，;；/和及\s]+", heading(row.get("行使层级"))) if t]
    levels = []
    for token in stated:
        if token.startswith("省"):
            levels.append("province")
        elif token.startswith(("市", "设区市")):
            levels.append("city")
        elif re.search(r"[县区乡镇村]|街道", token):
            levels.append("county")
    if levels:
        return max(levels, key=("province", "city", "county").index)
    body = heading(row.get("实施主体"))
    _, has_city, rest = body.partition("市")
    if not has_city:
        return "county" if re.search(r"[县区]", body) else ("province" if "省" in body else "city")
    return "county" if re.search(r"[区县乡镇]|分局|街道", rest) else "city"
