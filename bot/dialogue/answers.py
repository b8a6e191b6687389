"""The assistant's replies about affairs, in plain, polite Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.catalog.catalog import Catalog, MaterialLine, OfficeMatch, PendingQuestion, answer_key, part_answers
from bot.catalog.domain import Affair, Option, Place, Question, matches
from bot.dialogue.guide import (
    GUIDE_TYPE,
    GUIDE_VERSION,
    map_url,
    material_items,
    office_card,
    office_unverified_note,
)
from bot.dialogue.places import place_label

# after a single detail, the whole guide is one tap away (a button carries no words: the current affair)
FULL_GUIDE = ("完整办理指南", "/ask_materials")
FOLLOW_UPS = [("要多少钱", "/ask_fee"), ("多久能办好", "/ask_time_limit"), ("能网上办吗", "/ask_online"),
              ("在哪里办", "/ask_office")]


@dataclass
class Reply:
    """A message: text, optional buttons (title, payload) and optional structure for pages that render it."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    data: dict | None = None

    def as_rasa(self) -> dict:
        """Keyword arguments for dispatcher.utter_message (the structure goes out as a custom message)."""
        message = {"text": self.text, "buttons": [{"title": t, "payload": p} for t, p in self.buttons]}
        if self.data is not None:
            message["json_message"] = self.data
        return message


def material_lines(catalog: Catalog, affair: Affair, lines: list[MaterialLine],
                   preferences: list[PendingQuestion] = ()) -> list[str]:
    """Numbered material lines, then the ones that need not be brought."""
    bring, held = material_items(catalog, affair, lines, preferences)
    out = []
    for n, item in enumerate(bring, 1):
        text = f"{n}. {item.name}：{item.form}{item.count}份（{item.medium}）"
        if item.notes:
            text += f"；{item.notes}"
        if item.needed_when:
            text += "".join(f"〔{need}〕" for need in item.needed_when.split("；"))
        if item.used_for:
            text += f"〔用于：{item.used_for}〕"
        out.append(text)
    if held:
        out.append("以下无需提供，窗口通过数据共享直接核验：")
        out += [f"· {item.name}" + (f"（{item.reason}）" if item.reason else "") for item in held]
    return out


# parts of material names that say what kind of paper it is, not which: 居民, 证明 alone match nothing
GENERIC_IN_NAMES = frozenset({"居民", "证明", "材料", "申请", "本人", "原件", "复印", "证件", "证书", "申请表", "身份"})


# what people call a material, against the word its name uses (照片 for 相片, 户口本 for 户口簿)
MATERIAL_WORDS = {"照片": "相片", "证件照": "相片", "户口本": "户口簿", "户口薄": "户口簿"}


def _in_the_lexicon(catalog: Catalog, text: str) -> str:
    """`text` with the lexicon's words, and people's words for materials, put in their canonical form, longest
    first (不动产权证书 -> 房产证, 户口本 -> 户口簿)."""
    for word, canonical in sorted({**catalog.lexicon, **MATERIAL_WORDS}.items(), key=lambda w: -len(w[0])):
        if len(word) >= 2 and word in text:
            text = text.replace(word, canonical)
    return text


def _shared_part(a: str, b: str) -> str:
    """The longest run of characters two short texts share."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best


def names_a_material(catalog: Catalog, thing: str, name: str, wholly: bool = False) -> bool:
    """Whether what a person calls `thing` is the material `name` (户口本: 居民户口簿); `wholly`: with most of what
    they say, not a word of it (签劳动合同 is no 劳动能力鉴定结论书)."""
    said = _in_the_lexicon(catalog, thing)
    shared = _shared_part(said, _in_the_lexicon(catalog, name))
    return len(shared) >= 2 and shared not in GENERIC_IN_NAMES and (not wholly or 3 * len(shared) >= 2 * len(said))


def is_a_material(catalog: Catalog, thing: str) -> bool:
    """Whether `thing` names, as `names_a_material` reads it, a material some affair of the catalog asks for
    (户口本 names 居民户口簿)."""
    return any(names_a_material(catalog, thing, m.name) for a in catalog.affairs.values() for m in a.materials)


def material_asked_text(catalog: Catalog, affair: Affair, answers: dict[str, str], thing: str, hotline: str) -> str:
    """Whether `thing` (身份证, 户口本) is among the materials to bring in the person's situation, needed by
    none of them, or not on the list at all."""
    bring, held = material_items(catalog, affair, catalog.materials_for(affair, answers), [])

    def names(name: str) -> bool:
        return names_a_material(catalog, thing, name)

    needed = [item for item in bring if names(item.name)]
    if needed:
        said = "；".join(f"{item.name}（{item.form}{item.count}份）" + (f"，{item.notes}" if item.notes else "")
                        for item in needed)
        return f"按您的情况，要带：{said}。"
    spared = [item for item in held if names(item.name)]
    if spared:
        return "；".join(f"{item.name}不用带" + (f"：{item.reason}" if item.reason else "") for item in spared) + "。"
    return f"按您的情况，要准备的材料里没有“{thing}”。要带的全部材料以办理指南为准，拿不准的可以拨打 {hotline} 确认。"


def office_text(catalog: Catalog, match: OfficeMatch | None, place: Place | None, hotline: str) -> str:
    """Where to go, saying when the details are unconfirmed or belong to the city's centre."""
    if place is None:
        return "办理地点：请告诉我您在哪个市、区县，我帮您查对应的办事大厅。"
    if match is None:
        return f"办理地点：暂未收录{place_label(catalog, place)}的办事大厅信息，请拨打 {hotline} 咨询。"
    office = match.office
    lines = [f"办理地点：{office.name}"]
    if not match.own_district:
        lines[0] += f"（暂未收录{place_label(catalog, place)}本地大厅，先为您列出{match.place.name}的）"
    lines.append(f"  地址：{office.address or '暂未收录'}")
    if office.window:
        lines.append(f"  窗口：{office.window}")
    lines.append(f"  办公时间：{office.hours or '暂未收录'}")
    lines.append(f"  电话：{office.phone or f'暂未收录（可拨打 {hotline} 咨询）'}")
    if office.booking:
        lines.append(f"  预约：{office.booking}")
    link = map_url(office)
    if link:
        lines.append(f"  地图：{link}")
    note = office_unverified_note(office, hotline)
    if note:
        lines.append(f"  {note}")
    return "\n".join(lines)


def time_limit_text(affair: Affair) -> str:
    """Legal and promised time limits."""
    limit = affair.time_limit
    promised = limit.get("promised_days", 0)
    unit = limit.get("unit") or "工作日"
    text = "即办（当场办结）" if promised == 0 else f"承诺{promised}个{unit}内办结"
    if limit.get("legal_days") is not None and (limit["legal_days"] or promised):  # 即办 says 法定 0 already
        text += f"（法定时限{limit['legal_days']}个{limit.get('legal_unit') or unit}）"
    if limit.get("note"):
        text += f"。{limit['note']}"
    return f"办理时限：{text}"


def fee_text(affair: Affair, answers: dict[str, str]) -> str:
    """The fee in the person's situation (or the affair's, while the situation is not known), or that it is free."""
    amount, note = affair.fee_in(answers)
    text = "按当地标准收费" if amount is None else "不收费" if not amount else f"{amount:g}元"
    note = note.strip("。 ")
    if note and note != text:  # 不收费（不收费） says it twice
        text += f"（{note}）"
    return f"收费：{text}"


def online_text(affair: Affair) -> str:
    """Whether and how it can be done online."""
    online = affair.online
    channel = online.get("channel", "浙里办")
    head = f"可以网上办理（{channel}）" if online.get("available") else "需到窗口办理"
    return f"网上办理：{head}" + (f"。{online['how']}" if online.get("how") else "")


def visits_text(affair: Affair, answers: dict[str, str]) -> str:
    """How many trips it takes in the person's situation (and where to, when not to the hall), and whether the
    result can be posted."""
    visits, where = affair.visits_in(answers)
    text = {0: "零次跑，全程网上办", 1: "最多跑一次", 2: "需要跑两次"}.get(visits, f"需要跑 {visits} 次")
    where = where or (affair.in_person if visits > 1 else "")  # two trips: which, as the guide says
    text += f"（{where}）" if visits and where else ""
    if affair.post_delivery:
        text += "，办好后可选择邮寄到家"
    return f"跑动次数：{text}"


# a note that gives an amount, a length or the rule they follow (98天, 12个月, 缴费基数)
BENEFIT_FIGURES = re.compile(r"\d+(?:\.\d+)?\s*(?:元|天|个月|%)|标准|基数|比例|金额|额度|限额|期限")
# the kind of affair that pays the person (a benefit, an allowance): what it is worth is what they get
PAYS_OUT = "行政给付"


def benefit_text(affair: Affair, hotline: str) -> str:
    """How much or how long a benefit pays (a loan lends, a withdrawal takes out): what the guide's notes say of
    it, or that the guide sets no figure."""
    asked = ("能贷多少、贷多久" if "贷款" in affair.name else "能提取多少" if "提取" in affair.name
             else "能领多少、领多久")
    return _as_the_notes_say(affair, BENEFIT_FIGURES, asked, "具体数额按您的情况核定，",
                             "要按您的情况和当地标准核定，办事指南里没有写统一的数字", hotline)


# a note that says how often (每年可办理一次, 按月发放, 按季自动提取)
HOW_OFTEN = re.compile(r"每年|每月|每季|每半年|按月|按季|按年")


def frequency_text(affair: Affair, hotline: str) -> str:
    """How often the affair can be done or pays: what the guide's notes say of it, or that it says nothing."""
    return _as_the_notes_say(affair, HOW_OFTEN, "多久能办一次", "具体", "办事指南里没有写", hotline)


# a clause that only says who decides (以税务部门核定为准): the answer says so once, at its end
_DEFERS = re.compile(r"^以.{0,10}为准$")


# an affair that is itself a tax (车辆购置税申报): what one pays is the tax, not a fee
TAX_AFFAIR = re.compile(r"税(?!务)")


def tax_text(affair: Affair, answers: dict[str, str], hotline: str) -> str:
    """The taxes the affair involves: what the guide's fee note, conditions and notes say of them, or that it
    says nothing of taxes."""
    _, note = affair.fee_in(answers)
    said = list(dict.fromkeys(clause.strip("。 ") for text in (note, *affair.conditions, *affair.notes)
                              for clause in re.split("[；;。]", text) if "税" in clause and not _DEFERS.search(clause)))
    if not said:
        return f"要交哪些税，办事指南里没有写。请以税务部门和经办窗口的答复为准，也可以拨打 {hotline} 咨询。"
    return ("要交哪些税、交多少，办事指南里是这样写的：" + "；".join(said) +
            f"。具体税额以税务部门核定为准，也可以拨打 {hotline} 咨询。")


# what a guide says of where a benefit is paid (按月发放到本人社会保障卡或指定银行账户, 拨付到用人单位)
PAID_INTO = re.compile(r"社会保障卡|社保卡|银行账户|银行卡|拨付|发放到|打入|转入|划入")


def paid_to_text(affair: Affair, hotline: str) -> str:
    """Where the money is paid: what the guide's notes say of it, or that it says nothing."""
    return _as_the_notes_say(affair, PAID_INTO, "钱发到哪里", "具体", "办事指南里没有写发放到哪个账户", hotline)


# what a guide says of when an insurance is paid in (集中参保缴费期一般在每年下半年)
PAY_WHEN_TERMS = re.compile(r"缴费期|参保期|每年[上下]半年|按年度缴费|按月缴费|按月缴纳")


def pay_when_text(affair: Affair, hotline: str) -> str:
    """When the person pays in: what the guide's notes say of the payment period, or that it says nothing."""
    return _as_the_notes_say(affair, PAY_WHEN_TERMS, "什么时候交费", "具体起止时间", "办事指南里没有写交费的时间",
                             hotline)


def _as_the_notes_say(affair: Affair, about: re.Pattern[str], asked: str, then: str, unsaid: str,
                      hotline: str) -> str:
    """A follow-up (`asked`) answered with the guide's notes that speak `about` it, quoted, `then` where the final
    word lies; or, when no note does, what is `unsaid`. Either way the window and the hotline have the last word."""
    said = [note.strip("。 ") for note in affair.notes if about.search(note)]
    if said:
        return f"{asked}，办事指南里是这样写的：" + "；".join(said) + \
            f"。{then}以经办窗口的答复为准，也可以拨打 {hotline} 咨询。"
    return f"{asked}，{unsaid}。请以经办窗口的答复为准，也可以拨打 {hotline} 咨询。"


# what a guide says of the payments a person makes into an insurance (社保费按缴费基数和比例缴纳)
PREMIUM_TERMS = re.compile(r"社保费|医保费|保费|缴费基数|缴费档次|筹资标准|月缴")


def premium_text(affair: Affair, answers: dict[str, str], hotline: str) -> str:
    """What a person pays in, for an insurance: what the guide's fee note, conditions and notes say of it, with
    whether the affair itself costs anything; the fee, when the guide says nothing of such payments."""
    amount, note = affair.fee_in(answers)
    said = [clause.strip("。 ") for text in (note, *affair.conditions, *affair.notes)
            for clause in re.split("[；;]", text) if PREMIUM_TERMS.search(clause)]
    if not said:
        return fee_text(affair, answers)
    free = "办理本身不收费。" if amount == 0 else ""
    return (f"{free}每月或每年要交多少，办事指南里是这样写的：" + "；".join(said) +
            f"。指南里没有写统一的金额，请以税务部门和经办窗口公布的为准，也可以拨打 {hotline} 咨询。")


def post_text(affair: Affair, hotline: str) -> str:
    """Whether the result can be posted home, as far as the guide says."""
    if affair.post_delivery:
        return "邮寄：办好后可以选择邮寄到家。"
    return f"邮寄：办事指南里没有写可以邮寄，领取方式请以窗口告知为准，也可以拨打 {hotline} 确认。"


def in_person_text(affair: Affair) -> str:
    """Whether the applicant must come in person."""
    return f"是否本人到场：{affair.in_person or '请以窗口要求为准'}"


def hours_text(catalog: Catalog, match: OfficeMatch | None, place: Place | None, hotline: str) -> str:
    """Opening hours of the hall."""
    if match is None or not match.office.hours:
        office = match.office.name if match else "办事大厅"
        return f"{office}的办公时间暂未收录，请拨打 {hotline} 确认。"
    return f"{match.office.name}的办公时间：{match.office.hours}" + (
        "" if match.office.verified else f"（尚未核实，请拨打 {hotline} 确认）")


def affair_answer(catalog: Catalog, affair: Affair, answers: dict[str, str], place: Place | None,
                  hotline: str) -> Reply:
    """The full guide for the affair in the person's situation and district, as text and as structure."""
    situation = situation_summary(catalog, affair, answers)
    notices = situation_notices(catalog, affair, answers)
    preferences = catalog.open_preferences(affair, answers)
    lines_for_situation = catalog.materials_for(affair, answers)
    bring, held = material_items(catalog, affair, lines_for_situation, preferences)
    choices = [(p.question.preference, [o.label for o in p.question.options]) for p in preferences]
    match = catalog.office_for(affair, place) if place else None
    where = office_text(catalog, match, place, hotline)
    rows = [time_limit_text(affair), fee_text(affair, answers), online_text(affair), visits_text(affair, answers),
            in_person_text(affair)]
    bundle = [p.short_name for p in catalog.parts_of(affair, answers)] if affair.is_bundle else []
    provenance = provenance_text(affair, hotline)

    lines = [f"【{affair.name}】{affair.department}"]
    if situation:
        lines.append(f"您的情况：{situation}")
    lines += [f"请注意：{notice}" for notice in notices]
    if affair.conditions:
        lines.append("办理条件：" + "；".join(affair.conditions))
    lines.append("需要准备的材料：")
    lines += material_lines(catalog, affair, lines_for_situation, preferences)
    lines += [f"{label}（任选其一）：" + "；".join(options) for label, options in choices]
    lines += [where, *rows]
    if bundle:
        lines.append("一次办齐：" + "、".join(bundle))
    if affair.notes:
        lines.append("注意事项：")
        lines += [f"· {note}" for note in affair.notes]
    lines.append(provenance)
    data = {
        "type": GUIDE_TYPE, "version": GUIDE_VERSION,
        "affair": {"id": affair.id, "name": affair.name, "department": affair.department},
        "situation": situation, "notices": notices, "conditions": list(affair.conditions),
        "materials": [item.as_json() for item in bring], "exempt": [item.as_json() for item in held],
        "choices": [{"label": label, "options": options} for label, options in choices],
        "office": office_card(match, hotline), "office_text": where,
        "rows": [labelled(row) for row in rows],
        "notes": list(affair.notes), "bundle": bundle, "provenance": provenance,
    }
    return Reply("\n".join(lines), FOLLOW_UPS, data)


def labelled(line: str) -> dict[str, str]:
    """"收费：40元" as {"label": "收费", "value": "40元"}."""
    label, _, value = line.partition("：")
    return {"label": label, "value": value}


def provenance_text(affair: Affair, hotline: str) -> str:
    """One short, true sentence about where the guide comes from."""
    if affair.verified and affair.source_url and affair.checked:
        return f"来源：{affair.source}（{affair.source_url}），{affair.checked} 核对。"
    return f"提示：本指南尚未与官方办事指南逐项核对，出发前请在浙里办查看或拨打 {hotline} 确认。"


def chosen_options(catalog: Catalog, affair: Affair, answers: dict[str, str]) -> list[Option]:
    """The options the answers chose, the affair's questions first, then those of its parts done in this situation
    (for a bundle)."""
    return [option for _, option in _chosen(catalog, affair, answers)]


def _chosen(catalog: Catalog, affair: Affair, answers: dict[str, str]) -> list[tuple[Question, Option]]:
    """Each question answered, with the option chosen, in the order of `chosen_options`; not a part's answer that
    the bundle settles itself (`implies`: a newborn's insurance follows its hukou), which would only repeat."""
    chosen, known = [], catalog.with_implied(affair, answers)
    settled = {key for implication in affair.implies for key in implication.answers} if affair.is_bundle else set()
    for owner in [affair, *catalog.parts_of(affair, answers)]:  # not a part left out in this situation
        part = None if owner is affair else owner.id
        scoped = known if part is None else part_answers(known, part)
        for question in owner.situations:
            if part is not None and answer_key(part, question.id) in settled:
                continue
            option = question.option(answers.get(answer_key(part, question.id), ""))
            if option and matches(question.ask_if, scoped, unknown_matches=True):  # not one told, then ruled out
                chosen.append((question, option))
    return chosen


# a label that answers yes or no before it says what (不是，父母都是外省户口): said back without the yes or no
_YES_OR_NO_FIRST = re.compile(r"^(?:是|不是|否)，")


def situation_summary(catalog: Catalog, affair: Affair, answers: dict[str, str]) -> str:
    """The chosen options as text: 未满16周岁、外省户口; a preference says what it is about (社保、公积金单位开户：
    暂时不开户), and a bare 是 or 不是 before what an option says is left out (父母都是外省户口)."""
    return "、".join(f"{q.preference}：{o.label}" if q.preference else _YES_OR_NO_FIRST.sub("", o.label)
                    for q, o in _chosen(catalog, affair, answers))



def situation_notices(catalog: Catalog, affair: Affair, answers: dict[str, str]) -> list[str]:
    """What the person must know first about the answers they gave (an option's `notice`), each once."""
    return list(dict.fromkeys(option.notice for option in chosen_options(catalog, affair, answers) if option.notice))


def clarify_reply(catalog: Catalog, options: list[str], topic: str = "", each: bool = False) -> Reply:
    """Ask which of a few affairs is meant (`topic`: what the person named that they all share, if known;
    `each`: the words spoke for every one, so the rest are promised after the first)."""
    names = [catalog.affairs[i].short_name for i in options if i in catalog.affairs]
    if each:
        lead = "您说的情况和下面几项都有关，先了解哪一项？其余的说完再接着为您介绍。"
    else:
        lead = f"关于“{topic}”，您要办的是下面哪一项？" if topic else "您想办的是下面哪一项？"
    text = lead + "可以点选，也可以直接说“第几个”：\n" + "\n".join(
        f"{n}. {name}" for n, name in enumerate(names, 1))
    buttons = [choice_button(catalog.affairs[i]) for i in options if i in catalog.affairs]
    buttons.append(("都不是", '/choose_affair{"affair_choice":"none"}'))
    return Reply(text, buttons)


def choice_button(affair: Affair) -> tuple[str, str]:
    """A button that picks this affair."""
    return affair.short_name, f'/choose_affair{{"affair_choice":"{affair.id}"}}'


def second_need_reply(affair: Affair, set_aside: bool = False) -> Reply:
    """After a guide: the other affair the person's first message also spoke for, or the one set aside for it,
    one tap away."""
    if set_aside:
        text = f"刚才的【{affair.name}】还没说完。要接着办，请点下面的按钮，或直接告诉我。"
    else:
        text = f"您的情况可能还要办【{affair.name}】。要接着了解这件，请点下面的按钮，或直接告诉我。"
    return Reply(text, [choice_button(affair)])


def question_reply(ask: str, options: list[tuple[str, str]]) -> Reply:
    """A situation question with one button per option (the label is sent back as text)."""
    return Reply(ask, [(label, label) for _, label in options])



def detail_reply(catalog: Catalog, affair: Affair, detail: str, answers: dict[str, str], place: Place | None,
                 hotline: str, *, buttons: bool = True) -> Reply:
    """One follow-up answer about the current affair, in the situation the answers tell. Without `buttons` when
    situation questions come next: the pending question brings its own, and 完整办理指南 in the middle of the
    questions would only be taken as an answer."""
    match = catalog.office_for(affair, place) if place else None
    if detail in ("fee", "premium") and TAX_AFFAIR.search(affair.name):
        detail = "tax"  # 购置税要交多少钱: the tax the affair declares, not its (nil) handling fee
    texts = {
        "fee": lambda: fee_text(affair, answers) if affair.type != PAYS_OUT else  # 低保多少钱: what it pays, then
        f"{benefit_text(affair, hotline)}\n办理{fee_text(affair, answers)}",  # that it costs nothing
        "time_limit": lambda: time_limit_text(affair),
        "online": lambda: online_text(affair),
        "visits": lambda: visits_text(affair, answers),
        "post": lambda: post_text(affair, hotline),
        "benefit": lambda: benefit_text(affair, hotline),
        "premium": lambda: premium_text(affair, answers, hotline),
        "frequency": lambda: frequency_text(affair, hotline),
        "pay_when": lambda: pay_when_text(affair, hotline),
        "paid_to": lambda: paid_to_text(affair, hotline),
        "tax": lambda: tax_text(affair, answers, hotline),
        "in_person": lambda: in_person_text(affair),
        "office": lambda: office_text(catalog, match, place, hotline),
        "hours": lambda: hours_text(catalog, match, place, hotline),
    }
    text = texts.get(detail, texts["office"])()
    return Reply(f"【{affair.short_name}】{text}", [FULL_GUIDE, *FOLLOW_UPS] if buttons else [])


