"""The assistant's replies about affairs, in plain, polite Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog.catalog import Catalog, MaterialLine, OfficeMatch, PendingQuestion, answer_key
from bot.catalog.domain import Affair, Place
from bot.dialogue.places import place_label

FORMS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件和复印件"}
MEDIA = {"paper": "纸质", "electronic": "电子", "paper_or_electronic": "纸质或电子"}
# after a single detail, the whole guide is one tap away (a button carries no words: the current affair)
FULL_GUIDE = ("完整办理指南", "/ask_materials")
FOLLOW_UPS = [("要多少钱", "/ask_fee"), ("多久能办好", "/ask_time_limit"), ("能网上办吗", "/ask_online"),
              ("在哪里办", "/ask_office")]


@dataclass
class Reply:
    """A message: text and optional buttons (title, payload)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def as_rasa(self) -> dict:
        """Keyword arguments for dispatcher.utter_message."""
        return {"text": self.text, "buttons": [{"title": t, "payload": p} for t, p in self.buttons]}


def _count(line: MaterialLine) -> str:
    return f"{line.count}份"


def material_lines(catalog: Catalog, affair: Affair, lines: list[MaterialLine],
                   preferences: list[PendingQuestion] = ()) -> list[str]:
    """Numbered material lines, then the ones that need not be brought.

    A material that only some of the open preferences need (e.g. one way of collecting a card) says so.
    """
    open_by_part = {(p.part, p.question.id): p.question for p in preferences}
    bring = [line for line in lines if not line.material.exempt]
    held = [line for line in lines if line.material.exempt]
    out = []
    for n, line in enumerate(bring, 1):
        m = line.material
        text = f"{n}. {m.name}：{FORMS.get(m.form, m.form)}{_count(line)}（{MEDIA.get(m.medium, m.medium)}）"
        if m.notes:
            text += f"；{m.notes}"
        for part in (line.parts or (None,)):
            for question_id, allowed in m.when.items():
                question = open_by_part.get((part, question_id))
                if question is not None:
                    labels = "、".join(o.label for o in question.options if o.value in allowed)
                    text += f"〔{question.preference}为{labels}时需要〕"
        if affair.is_bundle and line.parts:
            names = "、".join(catalog.affairs[p].short_name for p in line.parts if p in catalog.affairs)
            text += f"〔用于：{names}〕"
        out.append(text)
    if held:
        out.append("以下无需提供，窗口通过数据共享直接核验：")
        for line in held:
            reason = f"（{line.material.exempt_reason}）" if line.material.exempt_reason else ""
            out.append(f"· {line.material.name}{reason}")
    return out


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
    lines.append(f"  电话：{office.phone or hotline}")
    if not office.verified or not (office.address and office.hours):
        lines.append(f"  以上大厅信息尚未核实，出发前请拨打 {hotline} 确认地址和时间。")
    return "\n".join(lines)


def time_limit_text(affair: Affair) -> str:
    """Legal and promised time limits."""
    limit = affair.time_limit
    promised = limit.get("promised_days", 0)
    text = "即办（当场办结）" if promised == 0 else f"承诺{promised}个工作日内办结"
    if limit.get("legal_days") is not None:
        text += f"（法定时限{limit['legal_days']}个工作日）"
    if limit.get("note"):
        text += f"。{limit['note']}"
    return f"办理时限：{text}"


def fee_text(affair: Affair) -> str:
    """The fee, or that it is free."""
    amount = affair.fee.get("amount", 0)
    text = "不收费" if not amount else f"{amount:g}元"
    if affair.fee.get("note"):
        text += f"（{affair.fee['note']}）"
    return f"收费：{text}"


def online_text(affair: Affair) -> str:
    """Whether and how it can be done online."""
    online = affair.online
    channel = online.get("channel", "浙里办")
    head = f"可以网上办理（{channel}）" if online.get("available") else "需到窗口办理"
    return f"网上办理：{head}" + (f"。{online['how']}" if online.get("how") else "")


def visits_text(affair: Affair) -> str:
    """How many trips it takes, and whether the result can be posted."""
    text = "零次跑，全程网上办" if affair.visits == 0 else "最多跑一次"
    if affair.post_delivery:
        text += "，办好后可选择邮寄到家"
    return f"跑动次数：{text}"


def in_person_text(affair: Affair) -> str:
    """Whether the applicant must come in person."""
    return f"是否本人到场：{affair.in_person or '请以窗口要求为准'}"


def hours_text(catalog: Catalog, match: OfficeMatch | None, place: Place | None, hotline: str) -> str:
    """Opening hours of the hall."""
    if match is None or not match.office.hours:
        office = match.office.name if match else "办事大厅"
        return f"{office}的办公时间暂未收录，请拨打 {hotline} 确认。一般为工作日上午和下午，法定节假日除外。"
    return f"{match.office.name}的办公时间：{match.office.hours}" + (
        "" if match.office.verified else f"（尚未核实，请拨打 {hotline} 确认）")


def affair_answer(catalog: Catalog, affair: Affair, answers: dict[str, str], place: Place | None,
                  hotline: str) -> Reply:
    """The full guide for the affair in the person's situation and district."""
    lines = [f"【{affair.name}】{affair.department}"]
    situation = situation_summary(catalog, affair, answers)
    if situation:
        lines.append(f"您的情况：{situation}")
    lines.append("需要准备的材料：")
    preferences = catalog.open_preferences(affair, answers)
    lines += material_lines(catalog, affair, catalog.materials_for(affair, answers), preferences)
    lines += [f"{p.question.preference}（任选其一）：" + "；".join(o.label for o in p.question.options)
              for p in preferences]
    match = catalog.office_for(affair, place) if place else None
    lines += [office_text(catalog, match, place, hotline), time_limit_text(affair), fee_text(affair),
              online_text(affair), visits_text(affair), in_person_text(affair)]
    if affair.is_bundle:
        lines.append("一次办齐：" + "、".join(p.short_name for p in catalog.parts_of(affair)))
    lines.append(provenance_text(affair, hotline))
    return Reply("\n".join(lines), FOLLOW_UPS)


def provenance_text(affair: Affair, hotline: str) -> str:
    """One short, true sentence about where the guide comes from."""
    if affair.verified and affair.source_url and affair.checked:
        return f"来源：{affair.source}（{affair.source_url}），{affair.checked} 核对。"
    return f"提示：本指南尚未与官方办事指南逐项核对，出发前请在浙里办查看或拨打 {hotline} 确认。"


def situation_summary(catalog: Catalog, affair: Affair, answers: dict[str, str]) -> str:
    """The chosen options as text: 未满16周岁、外省户口."""
    labels = []
    for owner in [affair, *catalog.parts_of(affair)]:
        part = None if owner is affair else owner.id
        for question in owner.situations:
            option = question.option(answers.get(answer_key(part, question.id), ""))
            if option:
                labels.append(option.label)
    return "、".join(labels)


def clarify_reply(catalog: Catalog, options: list[str]) -> Reply:
    """Ask which of a few affairs is meant."""
    names = [catalog.affairs[i].short_name for i in options if i in catalog.affairs]
    text = "您想办的是下面哪一项？可以点选，也可以直接说“第几个”：\n" + "\n".join(
        f"{n}. {name}" for n, name in enumerate(names, 1))
    buttons = [(catalog.affairs[i].short_name, f'/choose_affair{{"affair_choice":"{i}"}}')
               for i in options if i in catalog.affairs]
    buttons.append(("都不是", '/choose_affair{"affair_choice":"none"}'))
    return Reply(text, buttons)


def question_reply(ask: str, options: list[tuple[str, str]]) -> Reply:
    """A situation question with one button per option (the label is sent back as text)."""
    return Reply(ask, [(label, label) for _, label in options])



def detail_reply(catalog: Catalog, affair: Affair, detail: str, place: Place | None, hotline: str) -> Reply:
    """One follow-up answer about the current affair."""
    match = catalog.office_for(affair, place) if place else None
    texts = {
        "fee": lambda: fee_text(affair),
        "time_limit": lambda: time_limit_text(affair),
        "online": lambda: online_text(affair),
        "visits": lambda: visits_text(affair),
        "in_person": lambda: in_person_text(affair),
        "office": lambda: office_text(catalog, match, place, hotline),
        "hours": lambda: hours_text(catalog, match, place, hotline),
    }
    text = texts.get(detail, texts["office"])()
    return Reply(f"【{affair.short_name}】{text}", [FULL_GUIDE, *FOLLOW_UPS])


