"""A plausible synthetic catalog: subjects (证件/事项 nouns) x actions x qualifiers, over the real lexicon."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from bot.catalog.catalog import Catalog
from bot.catalog.domain import OUT_OF_SCOPE, Affair, Material, Option, Question

ACTIONS = ("申领", "补领", "换领", "变更", "注销", "备案", "登记", "提取", "认定", "申请", "延续", "核发",
           "转移", "查询", "撤销", "年检")
# Everyday ways to say an action (the lexicon maps several of these back).
ACTION_COLLOQUIAL = {"申领": "办", "补领": "补办", "换领": "换", "变更": "改", "注销": "销掉", "备案": "报备",
                     "登记": "登记一下", "提取": "取出来", "认定": "评定", "申请": "申请", "延续": "续期",
                     "核发": "领", "转移": "转", "查询": "查", "撤销": "取消", "年检": "年审"}
QUALIFIERS = ("", "", "", "个人", "单位", "企业", "异地", "跨省", "港澳台居民", "外籍人员", "临时", "电子",
              "首次", "到期", "农村", "退役军人")
GENERIC_SUBJECTS = (
    "居住证", "护照", "残疾证", "结婚证", "出生证明", "不动产权证书", "道路运输证", "健康证", "职业资格证书",
    "建筑施工许可证", "排污许可证", "药品经营许可证", "烟草专卖零售许可证", "酒类经营许可证", "卫生许可证",
    "消防安全检查", "养老保险", "失业保险", "工伤保险", "医疗救助", "临时救助", "残疾人补贴", "优待证",
    "独生子女父母奖励", "学籍", "毕业证书", "技能等级证书", "渔业船舶证书", "林木采伐许可证", "宅基地",
    "土地承包经营权", "商标", "专利", "广告发布登记", "劳务派遣许可证", "出租车营运证", "网约车驾驶员证",
    "养犬登记证", "行驶证", "车辆号牌", "通行证", "签注", "社保卡", "医保卡", "公积金账户", "个人所得税",
    "增值税发票", "税务登记", "食品经营许可证", "特种设备使用登记", "取水许可证", "民办学校办学许可证",
    "医师执业证书", "护士执业证书", "教师资格证", "导游证", "律师执业证", "房屋租赁合同", "抵押权",
    "户口簿", "户口", "身份证", "驾驶证", "营业执照", "公积金", "医保", "房产证", "新生儿", "养老金",
)
SUBJECT_ENDINGS = tuple("证照卡金险保户税书簿牌权号明费贴")
DEPARTMENTS = ("公安", "公安（交管）", "公安（出入境）", "人力社保", "住房公积金", "医疗保障", "卫生健康",
               "市场监管", "民政", "税务", "教育", "残联", "自然资源（不动产登记）", "交通运输", "农业农村",
               "文化和旅游", "生态环境", "住房城乡建设", "司法行政", "退役军人事务", "水利", "应急管理")
QUESTION_TEMPLATES = (
    "{subject}{action}要带什么材料", "{subject}怎么{colloquial}", "{qualifier}{subject}{action}去哪里办",
    "{subject}{action}要多久", "{subject}{action}网上能办吗", "{subject}{action}要交钱吗",
    "我的{subject}要{action}怎么弄", "{subject}{action}需要本人到场吗", "去{department}{colloquial}{subject}要预约吗",
    "{qualifier}{subject}能不能{colloquial}", "帮家里人{colloquial}{subject}可以代办吗",
)
ALIAS_TEMPLATES = ("{subject}{colloquial}", "{colloquial}{subject}", "{qualifier}{subject}{colloquial}",
                   "{department}{subject}{action}", "{subject}{action}手续", "{subject}{action}业务")


def subjects_from(catalog: Catalog) -> list[str]:
    """Noun-like keywords of the real catalog (ending like a certificate or benefit) plus generic subjects."""
    real = {k for a in catalog.affairs.values() for k in (*a.keywords, a.short_name)
            if len(k) >= 2 and k.endswith(SUBJECT_ENDINGS) and k not in ACTIONS}
    return sorted(real | set(GENERIC_SUBJECTS))


def synthetic_catalog(real: Catalog, count: int, seed: int = 7,
                      advance: Callable[[int], None] | None = None) -> Catalog:
    """`count` synthetic affairs (about 2% one-thing bundles) with the real lexicon, places and offices."""
    rng = random.Random(seed)
    subjects = subjects_from(real)
    department_of = {s: rng.choice(DEPARTMENTS) for s in subjects}
    combos = list(itertools.product(sorted(set(QUALIFIERS)), subjects, ACTIONS))
    rng.shuffle(combos)
    affairs: dict[str, Affair] = {}
    for index in range(count):
        qualifier, subject, action = combos[index % len(combos)]
        suffix = "" if index < len(combos) else f"（{index // len(combos) + 1}）"
        fields = {"qualifier": qualifier, "subject": subject, "action": action,
                  "colloquial": ACTION_COLLOQUIAL[action], "department": department_of[subject]}
        bundle_parts = tuple(rng.sample(sorted(affairs), 3)) if len(affairs) > 10 and rng.random() < 0.02 else ()
        affair = _affair(rng, index, fields, suffix, bundle_parts)
        affairs[affair.id] = affair
        if advance is not None:
            advance(1)
    # the real out-of-scope questions, so that the not-ours model is trained and timed as in production
    return Catalog(version=f"synthetic-{count}", affairs=affairs, places=dict(real.places),
                   offices=list(real.offices), lexicon=dict(real.lexicon),
                   phrasings={OUT_OF_SCOPE: real.phrasings.get(OUT_OF_SCOPE, ())})


def _affair(rng: random.Random, index: int, fields: dict[str, str], suffix: str, parts: tuple[str, ...]) -> Affair:
    """One synthetic affair; situations and materials are minimal."""
    qualifier, subject, action, department = (fields[k] for k in ("qualifier", "subject", "action", "department"))
    name = f"{qualifier}{subject}{action}{suffix}"
    short_name = name if len(name) <= 8 else f"{subject}{action}{suffix}"
    aliases = [t.format(**fields) for t in rng.sample(ALIAS_TEMPLATES, rng.randint(3, 6))]
    keywords = [subject, action, department, *([qualifier] if qualifier else [])]
    keywords += rng.sample(ACTIONS, rng.randint(1, 3))
    questions = [t.format(**fields) for t in rng.sample(QUESTION_TEMPLATES, rng.randint(5, 9))]
    scope = f"{qualifier or '申请人'}办理{subject}{action}；由{department}部门受理，其他情形另见相应事项"
    if parts:
        name = short_name = f"{subject}{action}一件事{suffix}"
        keywords += ["一件事", "联办"]
        aliases.append(f"{subject}相关事项一次办")
    situation = Question(id="apply_type", ask=f"是首次办理还是{action}？",
                         options=(Option("first", "首次办理", ("第一次", "首次")), Option(action, action, (action,))))
    materials = (Material(name="申请表", form="original", count=1),
                 Material(name="居民身份证", form="original", count=1, source="公安机关"))
    return Affair(
        id=f"syn-{index:05d}", code=f"ZJ-SYN-{index:05d}", name=name, short_name=short_name,
        department=department, level="county", type=rng.choice(("行政许可", "行政确认", "公共服务", "行政给付")),
        scope=scope, aliases=tuple(dict.fromkeys(aliases)), keywords=tuple(dict.fromkeys(keywords)),
        questions=tuple(questions), conditions=("符合法定条件",), office_kinds=("government-service-center",),
        situations=(situation,), materials=materials,
        time_limit={"legal_days": 20, "promised_days": rng.choice((0, 1, 3, 5, 10)), "note": ""},
        fee={"amount": 0, "note": ""}, online={"available": rng.random() < 0.7, "channel": "浙里办", "how": ""},
        visits=rng.choice((0, 1)), in_person="", post_delivery=False, legal_basis=("（基准测试合成数据）",),
        parts=parts, notes=(), source="bench synthetic", checked="2026-01-01", verified=False,
    )
