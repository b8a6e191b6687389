"""Per-field differences between a knowledge record before and after an import."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
ACTIONS = {ADDED: "新增", CHANGED: "修改", REMOVED: "删除"}
# list items are told apart by these keys (materials by name, FAQ by question ...)
ITEM_KEYS = ("name", "question", "id", "value")
LABELS = {
    "id": "id", "code": "编码", "name": "名称", "short_name": "简称", "department": "部门", "level": "层级",
    "type": "事项类型", "scope": "适用范围", "aliases": "别名", "keywords": "关键词", "questions": "典型问法",
    "faq": "常见问题", "answer": "解答", "conditions": "受理条件", "office_kinds": "大厅类型",
    "venue": "办理地点和时间", "place": "区划", "hours": "办公时间", "situations": "情形问题",
    "materials": "申请材料", "form": "材料类型",
    "count": "份数", "medium": "材料形式", "source": "来源", "notes": "说明", "case_type": "办件类型",
    "time_limit": "办理时限", "legal_days": "法定时限", "promised_days": "承诺时限", "unit": "时限单位",
    "legal_unit": "法定时限单位", "fee": "收费", "amount": "金额（元）", "basis": "收费依据", "note": "说明",
    "online": "网上办理", "available": "可网办", "depth": "网办深度", "modes": "办理形式", "how": "办理方式",
    "channel": "渠道", "visits": "跑动次数", "post_delivery": "可邮寄", "consult": "咨询方式",
    "complaint": "监督投诉", "legal_basis": "设定依据", "official": "官方编码与版本",
    "implementation_code": "实施编码", "basic_code": "基本编码", "version": "版本", "exported": "导出日期",
    "file": "导出文件", "sample": "样例", "verified": "已核对", "checked": "核对日期", "checked_by": "核对人",
    "kind": "大厅类型", "also_kinds": "兼办类型", "also_places": "兼管区划", "address": "地址", "phone": "电话",
    "booking": "预约方式", "location": "坐标", "lng": "经度", "lat": "纬度", "window": "窗口",
}


@dataclass(frozen=True)
class FieldChange:
    """One field that an import adds, changes or removes; `path` as in the YAML (time_limit.promised_days)."""

    path: str
    action: str
    old: Any = None
    new: Any = None

    @property
    def label(self) -> str:
        """The field's meaning in Chinese, from the last key of its path."""
        last = self.path.rsplit(".", 1)[-1]
        if last.endswith("]"):
            last = last.split("[", 1)[0]
        return LABELS.get(last, last)


def compare(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Every field added, changed or removed from `old` to `new` (plain dicts, lists and scalars)."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return _compare_keyed(old, new, path, lambda key: f"{path}.{key}" if path else str(key))
    old_items, new_items = _keyed(old), _keyed(new)
    if old_items is not None and new_items is not None:
        return _compare_keyed(old_items, new_items, path, lambda label: f"{path}[{label}]")
    return [FieldChange(path, CHANGED, old, new)]


def _compare_keyed(old: dict, new: dict, path: str, name) -> list[FieldChange]:
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        where = name(key)
        if key not in old:
            changes.append(FieldChange(where, ADDED, None, new[key]))
        elif key not in new:
            changes.append(FieldChange(where, REMOVED, old[key], None))
        else:
            changes += compare(old[key], new[key], where)
    return changes


def _keyed(value: Any) -> dict[str, Any] | None:
    """A list of mappings as {label: item} by its identifying key (name, question ...), else None."""
    if not isinstance(value, list) or not value or not all(isinstance(i, dict) for i in value):
        return None
    key = next((k for k in ITEM_KEYS if all(k in i for i in value)), None)
    if key is None:
        return None
    seen: Counter = Counter()
    result = {}
    for item in value:
        label = str(item[key])
        seen[label] += 1
        result[label if seen[label] == 1 else f"{label}#{seen[label]}"] = item
    return result


def show(value: Any, width: int = 60) -> str:
    """A value in one short line for the diff table."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "，".join(f"{k}: {show(v, width)}" for k, v in value.items())
    elif isinstance(value, list):
        text = "；".join(show(v, width) for v in value) if value else "[]"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
