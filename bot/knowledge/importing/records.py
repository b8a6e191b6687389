"""Rows of the national format into knowledge-shaped affair and hall records.

An affair's record is split in two: `owned` holds what the export states (it replaces the same fields of an existing
affair on every import), `created` what is derived for a new affair only (short name, scope, aliases, questions),
which maintainers then own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.importing import official as O
from bot.knowledge.importing.official import Problems, Row
from bot.knowledge.importing.readers import Export

# sub-fields of the nested fields that the import owns; the others (note, channel, how) are hand-written
OWNED_PARTS: dict[str, tuple[str, ...]] = {
    "time_limit": ("legal_days", "promised_days", "unit", "legal_unit"),
    "fee": ("amount", "basis"),
    "online": ("available", "depth", "modes"),
}
SAMPLE_SOURCE = "样例导出数据（虚构，仅用于测试），不是真实办事指南"
SAMPLE_HALL_SOURCE = "样例导出数据（虚构，仅用于测试），不是真实大厅信息"
MISSING_BASIS = "实施清单导出数据未列明设定依据"
DEFAULT_KIND = "government-service-center"

# (words in a department or 实施主体, short department name as the knowledge writes it); first match wins
DEPARTMENTS = (
    (("出入境",), "公安（出入境）"), (("交通警察", "车辆管理", "交警", "交管", "车管"), "公安（交管）"),
    (("公安",), "公安"),
    (("民政",), "民政"), (("人力资源和社会保障", "人力社保", "社会保险", "人社"), "人力社保"),
    (("医疗保障", "医保"), "医疗保障"), (("住房公积金", "公积金"), "住房公积金"),
    (("市场监督管理", "市场监管"), "市场监管"), (("卫生健康", "卫健", "卫生"), "卫生健康"), (("税务",), "税务"),
    (("自然资源", "不动产"), "自然资源（不动产登记）"), (("教育",), "教育"), (("残疾人联合会", "残联"), "残联"),
)
DEPARTMENT_KINDS = {
    "公安（出入境）": "entry-exit", "公安（交管）": "vehicle-administration", "公安": "public-security",
    "民政": "civil-affairs", "人力社保": "social-security", "医疗保障": "medical-insurance",
    "住房公积金": "housing-fund", "市场监管": "market-regulation", "卫生健康": "health", "税务": "tax",
    "自然资源（不动产登记）": "real-estate", "教育": "education", "残联": "disabled-persons-federation",
}
# (words in 大厅类型 / 服务事项类别, hall kind); specific before general
HALL_KINDS = (
    (("婚姻登记",), "marriage-registration"), (("出入境",), "entry-exit"),
    (("车管", "车辆管理"), "vehicle-administration"),
    (("不动产",), "real-estate"), (("公积金",), "housing-fund"), (("医保", "医疗保障"), "medical-insurance"),
    (("社保", "社会保险", "人社", "人力社保", "就业"), "social-security"), (("税务",), "tax"),
    (("市场监管", "市场监督"), "market-regulation"), (("民政",), "civil-affairs"), (("卫生", "卫健"), "health"),
    (("教育",), "education"), (("残联", "残疾人"), "disabled-persons-federation"),
    (("公安", "户籍", "派出所"), "public-security"), (("水务", "供水", "供电", "燃气"), "utilities"),
    (("医院",), "hospital"), (("银行",), "bank"),
    (("政务服务", "行政服务", "市民中心", "便民服务", "综合"), DEFAULT_KIND),
)
ABBREVIATIONS = (("基本医疗保险", "医保"), ("基本养老保险", "养老保险"), ("住房公积金", "公积金"),
                 ("居民身份证", "身份证"), ("社会保障卡", "社保卡"), ("社会保险", "社保"), ("最低生活保障", "低保"),
                 ("登记证", "证"))
SHORT_MAX = 14
POST = re.compile(r"邮寄|快递|寄递|EMS|邮政", re.IGNORECASE)


@dataclass(frozen=True)
class Provenance:
    """Where the imported facts come from: version, date, file, and whether it is the invented sample."""

    version: str
    exported: str
    origin: str
    file: str
    sample: bool

    @classmethod
    def of(cls, export: Export) -> Provenance:
        meta = export.meta
        sample = meta.get("样例", "").strip().lower() in O.YES
        return cls(meta.get("版本") or "未注明", meta.get("导出日期") or "未注明", meta.get("来源", ""),
                   export.file.name, sample)

    def _details(self) -> str:
        parts = [f"版本 {self.version}", f"导出日期 {self.exported}"]
        return "（" + "，".join(parts + ([f"来源 {self.origin}"] if self.origin else [])) + "）"

    def affair_source(self) -> str:
        """The `source` sentence of an imported affair, saying truthfully what it was compiled from."""
        if self.sample:
            return SAMPLE_SOURCE + self._details()
        return "依据政务服务事项实施清单导出数据整理" + self._details()

    def hall_source(self) -> str:
        """The `source` sentence of an imported hall."""
        if self.sample:
            return SAMPLE_HALL_SOURCE + self._details()
        return "依据政务服务事项实施清单导出数据（服务大厅表）整理" + self._details()

    def block(self, implementation_code: str, basic_code: str) -> dict[str, Any]:
        """The `official:` block of an affair."""
        return {"implementation_code": implementation_code, "basic_code": basic_code, "version": self.version,
                "exported": self.exported, "file": self.file, "sample": self.sample}


@dataclass
class AffairImport:
    """One affair of the export: the fields it owns, those derived once for a new affair, and remarks."""

    row: Row
    owned: dict[str, Any]
    created: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def implementation_code(self) -> str:
        return self.owned["official"]["implementation_code"]

    @property
    def basic_code(self) -> str:
        return self.owned["official"]["basic_code"]

    @property
    def name(self) -> str:
        return self.owned["name"]


@dataclass
class HallImport:
    """One service hall of the export, as an office record without its id."""

    row: Row
    record: dict[str, Any]
    code: str = ""  # 大厅编码, when the export gives one
    warnings: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [self.record["kind"], *self.record.get("also_kinds", [])]


@dataclass
class Mapped:
    """Everything an export says, in knowledge shape."""

    provenance: Provenance
    affairs: list[AffairImport]
    halls: list[HallImport]
    warnings: list[str] = field(default_factory=list)


def map_export(export: Export, place_codes: set[str]) -> Mapped:
    """Map every table; raise ExportError with every problem found (nothing half-mapped is returned)."""
    problems = Problems()
    provenance = Provenance.of(export)
    halls = [h for h in (_hall(row, place_codes, provenance, problems) for row in export.rows(O.HALLS)) if h]
    affairs: dict[str, AffairImport] = {}
    for row in export.rows(O.BASIC):
        code = row.get("实施编码")
        if code in affairs:
            problems.at(row, "实施编码", f"{code} 与 {affairs[code].row.where()} 重复：同一个实施编码只能有一条")
            continue
        affair = _affair(row, provenance, halls, problems)
        if affair is not None:
            affairs[code] = affair
    listed = {row.get("实施编码") for row in export.rows(O.BASIC)}  # rows with problems of their own count too
    _attach(export.rows(O.MATERIALS), affairs, listed, problems,
            lambda a, r: a.owned["materials"].append(_material(r, problems)))
    _attach(export.rows(O.FAQ), affairs, listed, problems, lambda a, r: a.owned["faq"].append(_faq(r, problems)))
    problems.raise_if_any()
    for affair in affairs.values():
        _finish(affair)
    return Mapped(provenance, list(affairs.values()), halls, list(export.notes))


def _attach(rows: list[Row], affairs: dict[str, AffairImport], listed: set[str], problems: Problems, add) -> None:
    """Hand each material or FAQ row to its affair by 实施编码."""
    for row in rows:
        code = row.get("实施编码")
        if not code:
            problems.at(row, "实施编码", "不能为空：请填写所属事项的实施编码")
        elif code not in listed:
            problems.at(row, "实施编码", f"{code} 不在「基本信息」表中：请核对编码，或补上这个事项")
        elif code in affairs:
            add(affairs[code], row)


def _required(row: Row, column: str, problems: Problems) -> str:
    text = O.one_line(row.get(column))
    if not text:
        problems.at(row, column, "不能为空")
    return text


def department_of(text: str) -> str | None:
    """The knowledge's short department name for a department or 实施主体 name."""
    for words, department in DEPARTMENTS:
        if any(w in text for w in words):
            return department
    return None


def hall_kinds(text: str) -> list[str]:
    """Hall kinds named in 大厅类型 / 服务事项类别 text, in order, without repeats."""
    kinds: list[str] = []
    for part in re.split(r"[、,，;；/\s]+", text):
        if not part:
            continue
        kind = part if part in DEPARTMENT_KINDS.values() or part == DEFAULT_KIND else None
        kind = kind or next((k for words, k in HALL_KINDS if any(w in part for w in words)), None)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def _affair(row: Row, provenance: Provenance, halls: list[HallImport], problems: Problems) -> AffairImport | None:
    name = _required(row, "事项名称", problems)
    code = _required(row, "实施编码", problems)
    basic = _required(row, "基本编码", problems)
    body = _required(row, "实施主体", problems)
    if code and not re.fullmatch(r"[0-9A-Za-z-]+", code):
        problems.at(row, "实施编码", f"“{code}”含有字母和数字以外的字符：请核对")
    conditions = O.split_items(row.get("受理条件"))
    if not conditions:
        problems.at(row, "受理条件", "不能为空：请填写受理条件")
    warnings: list[str] = []
    department = department_of(row.get("部门")) or department_of(body) or row.get("部门") or body
    kind = O.heading(row.get("事项类型"))
    if kind and kind not in O.TYPES:
        warnings.append(f"事项类型“{kind}”不在知识库的类型表里，记为“其他行政权力”")
    affair_type = kind if kind in O.TYPES else ("其他行政权力" if kind else "公共服务")
    if not kind:
        warnings.append("导出数据没有“事项类型”，暂记为“公共服务”：请核对")
    time_limit = _time_limit(row, problems)
    fee = _fee(row, problems)
    online = _online(row, problems)
    visits = O.integer(row, "到办事现场次数", problems)
    if visits is None and not row.get("到办事现场次数"):
        problems.at(row, "到办事现场次数", "不能为空：请填写 0 或 1")
    elif visits is not None and visits > 1:
        problems.at(row, "到办事现场次数", f"{visits} 次：知识库只记录 0 次或 1 次（最多跑一次），请核实后修改导出数据")
    case_type = O.choice(row, "办件类型", O.CASE_TYPES, problems)
    if not name or not code or not conditions or None in (time_limit, fee, online, case_type) or visits is None:
        return None
    owned: dict[str, Any] = {
        "code": basic, "name": name, "department": department, "level": O.level_of(row), "type": affair_type,
        "conditions": conditions, "office_kinds": _office_kinds(department, row.get("办理地点"), halls),
        "venue": {k: v for k, v in (("place", O.one_line(row.get("办理地点"))),
                                    ("hours", O.one_line(row.get("办理时间")))) if v},
        "materials": [], "faq": [], "case_type": case_type, "time_limit": time_limit, "fee": fee,
        "online": online, "visits": visits,
        "consult": O.one_line(row.get("咨询方式")), "complaint": O.one_line(row.get("监督投诉方式")),
        "official": provenance.block(code, basic), "source": provenance.affair_source(),
    }
    if row.get("送达方式"):
        owned["post_delivery"] = bool(POST.search(row.get("送达方式")))
    basis = O.split_items(row.get("设定依据"))
    if basis:
        owned["legal_basis"] = [b for b in basis if len(b) >= 4] or [MISSING_BASIS]
    created = {"short_name": _short_name(row, name, warnings), "scope": _scope(name, row.get("服务对象")),
               "post_delivery": False, "legal_basis": [MISSING_BASIS],
               "fee_note": "不收费" if not fee["amount"] else O.one_line(row.get("收费标准")),
               "online_how": _online_how(online.get("depth"), online["available"])}
    return AffairImport(row, owned, created, warnings)


def _time_limit(row: Row, problems: Problems) -> dict[str, Any] | None:
    legal = O.days(row, "法定办结时限", problems, required=False)
    promised = O.days(row, "承诺办结时限", problems, required=True)
    legal_unit = O.unit(row, "法定办结时限单位", problems, needed=legal not in (None, 0))
    promised_unit = O.unit(row, "承诺办结时限单位", problems, needed=promised not in (None, 0))
    if promised is None:
        return None
    result: dict[str, Any] = {"legal_days": legal, "promised_days": promised}
    unit = promised_unit or legal_unit
    if unit:
        result["unit"] = unit
    if legal_unit and unit and legal_unit != unit:
        result["legal_unit"] = legal_unit
    return result


def _fee(row: Row, problems: Problems) -> dict[str, Any] | None:
    charged = O.yes_no(row, "是否收费", problems)
    if charged is None:
        return None
    fee: dict[str, Any] = {"amount": 0}
    if charged:
        value = O.amount(row.get("收费标准"))
        if value is None or value <= 0:
            problems.at(row, "收费标准", "是否收费为“是”，但这里没有写明金额（如“工本费40元”）：请补上金额")
            return None
        fee["amount"] = int(value) if value.is_integer() else value
    basis = O.one_line(row.get("收费依据"))
    if basis and basis not in O.NO_LIMIT:
        fee["basis"] = basis
    return fee


def _online(row: Row, problems: Problems) -> dict[str, Any] | None:
    depth = O.depth(row, "网上办理深度", problems)
    modes = O.one_line(row.get("办理形式"))
    if not modes:
        problems.at(row, "办理形式", "不能为空：请填写窗口办理、网上办理等")
        return None
    available = depth in ("Ⅲ级", "Ⅳ级") if depth else "网上" in modes or "网办" in modes
    online: dict[str, Any] = {"available": available}
    if depth:
        online["depth"] = depth
    online["modes"] = modes
    return online


def _online_how(depth: str | None, available: bool) -> str:
    """What the depth of online handling means for the applicant (for a new affair's `online.how`)."""
    return {
        "Ⅳ级": "全程网上办理，无需到现场（网上办理深度Ⅳ级）",
        "Ⅲ级": "可网上申请和受理，核验或领取结果时到现场一次（网上办理深度Ⅲ级）",
        "Ⅱ级": "可网上预约或预审材料，须到窗口办理（网上办理深度Ⅱ级）",
        "Ⅰ级": "网上可查看办事指南、下载表格，须到窗口办理（网上办理深度Ⅰ级）",
    }.get(depth or "", "可网上办理" if available else "须到窗口办理")


def _office_kinds(department: str, place_text: str, halls: list[HallImport]) -> list[str]:
    """Most specific first: the kind of a specialised hall named in 办理地点 (a 婚姻登记处), the department's kind,
    then the service centre. What else a named service centre also handles says nothing about this affair."""
    kinds: list[str] = []
    for hall in halls:
        kind = hall.record["kind"]
        if hall.record["name"] in place_text and kind != DEFAULT_KIND and kind not in kinds:
            kinds.append(kind)
    department_kind = DEPARTMENT_KINDS.get(department)
    if department_kind and department_kind not in kinds:
        kinds.append(department_kind)
    return kinds + [DEFAULT_KIND]


def _material(row: Row, problems: Problems) -> dict[str, Any]:
    name = _required(row, "材料名称", problems)
    form = O.choice(row, "材料类型", O.FORMS, problems)
    medium = O.choice(row, "材料形式", O.MEDIA, problems)
    necessity = O.choice(row, "材料必要性", O.NECESSITY, problems)
    count = O.integer(row, "纸质材料份数", problems) or 1
    notes = []
    if necessity == "非必要":
        notes.append("非必要材料，按实际情况提供")
    elif necessity == "容缺":
        notes.append("容缺材料：可先受理，按约定时间补交")
    notes += [O.one_line(row.get(c)) for c in ("填报须知", "备注") if O.one_line(row.get(c)) not in O.NO_LIMIT]
    material: dict[str, Any] = {"name": name, "form": form, "count": count, "medium": medium}
    source = O.one_line(row.get("来源渠道"))
    if source:
        material["source"] = source
    if notes:
        material["notes"] = "；".join(dict.fromkeys(notes))
    return material


def _faq(row: Row, problems: Problems) -> dict[str, str]:
    return {"question": _required(row, "问题", problems), "answer": _required(row, "解答", problems)}


def _core(name: str) -> str:
    """The name without its parenthesised remarks: 居民身份证补领（遗失） → 居民身份证补领."""
    return re.sub(r"[（(][^）)]*[）)]", "", name).strip() or name


def _short_name(row: Row, name: str, warnings: list[str]) -> str:
    stated = O.one_line(row.get("事项简称"))
    if stated and 2 <= len(stated) <= SHORT_MAX:
        return stated
    short = _core(name)
    for long, abbreviation in ABBREVIATIONS:
        if len(short) <= SHORT_MAX:
            break
        short = short.replace(long, abbreviation)
    if len(short) > SHORT_MAX:
        short = short[:SHORT_MAX]
        warnings.append(f"简称按名称前 {SHORT_MAX} 个字截取为“{short}”：请改成通顺的简称")
    return short


def _scope(name: str, audience: str) -> str:
    audience = O.one_line(audience)
    return f"办理{_core(name)}" + (f"；服务对象：{audience}" if audience else "")


VERBS = ("申领", "申请", "登记", "认定", "备案", "补领", "开具", "出具", "查询", "注册", "变更", "注销", "签发", "换领",
         "办理", "审批", "确认", "领取")


def aliases_for(name: str, short_name: str) -> list[str]:
    """Other names for a new affair, varied only in wording from its official name.

    查询出入境记录 for 出入境记录查询 (the verb before its object), 失业登记办理, and the name without its remarks in
    parentheses; nothing is invented beyond the official name.
    """
    core = _core(name)
    found = [core, short_name]
    verb = next((v for v in VERBS if core.endswith(v) and len(core) - len(v) >= 2), None)
    if verb is not None:
        found.append(verb + core[: -len(verb)])
    if not core.endswith("办理"):
        found.append(core + "办理")
    return [a for a in dict.fromkeys(found) if a != name and len(a) >= 2]


def _finish(affair: AffairImport) -> None:
    """Derive what needs the whole affair (questions come from its FAQ) and note what the export lacks."""
    owned, created = affair.owned, affair.created
    created["aliases"] = aliases_for(owned["name"], created["short_name"])
    created["questions"] = list(dict.fromkeys(f["question"] for f in owned["faq"] if len(f["question"]) >= 3))
    if not owned["materials"]:
        affair.warnings.append("导出数据没有这个事项的申请材料：validate 会报“materials 为空”，请补上材料")
    if "legal_basis" not in owned:
        affair.warnings.append(f"导出数据没有“设定依据”，legal_basis 暂写“{MISSING_BASIS}”")
    for key in ("consult", "complaint"):
        if not owned[key]:
            del owned[key]
    if not owned["venue"]:
        del owned["venue"]


def _hall(row: Row, place_codes: set[str], provenance: Provenance, problems: Problems) -> HallImport | None:
    name = _required(row, "名称", problems)
    codes = O.place_codes(row.get("区划代码"))
    if not codes:
        problems.at(row, "区划代码", f"“{row.get('区划代码')}”不是行政区划代码：请填写 6 位或 12 位代码，如 330106")
        return None
    place = codes[0]
    if place_codes and place not in place_codes:
        problems.at(row, "区划代码", f"{place} 不在 knowledge/places.yml 中：只能导入浙江省内的大厅")
        return None
    warnings = []
    also_places = []
    for code in O.place_codes(row.get("服务区划")):
        if code == place:
            continue
        if place_codes and code not in place_codes:
            warnings.append(f"服务区划 {code} 不在 knowledge/places.yml 中，已略去")
            continue
        also_places.append(code)
    kinds = hall_kinds(row.get("大厅类型")) + [k for k in hall_kinds(row.get("服务事项类别"))]
    kinds = list(dict.fromkeys(kinds))
    if not kinds:
        warnings.append(f"看不出大厅类型（“{row.get('大厅类型') or row.get('服务事项类别')}”），记为政务服务中心")
        kinds = [DEFAULT_KIND]
    lng = O.coordinate(row, "经度", 115, 125, problems)
    lat = O.coordinate(row, "纬度", 26, 32, problems)
    if (lng is None) != (lat is None):
        problems.at(row, "经度" if lng is None else "纬度", "经度和纬度要么都填，要么都不填")
    record: dict[str, Any] = {"name": name, "kind": kinds[0]}
    if kinds[1:]:
        record["also_kinds"] = kinds[1:]
    record["place"] = place
    if also_places:
        record["also_places"] = also_places
    record.update({"address": O.one_line(row.get("地址")) or None, "hours": O.one_line(row.get("办公时间")) or None,
                   "phone": O.one_line(row.get("联系电话")) or None,
                   "booking": O.one_line(row.get("预约方式")) or None})
    if lng is not None and lat is not None:
        record["location"] = {"lng": lng, "lat": lat}
    record.update({"verified": False, "source": provenance.hall_source()})
    return HallImport(row, record, O.one_line(row.get("大厅编码")), warnings)
