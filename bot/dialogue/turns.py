"""One turn of the affair dialogue: what to say and which conversation state changes, without Rasa."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.catalog.catalog import PendingQuestion, part_answers
from bot.catalog.domain import Affair, Option, Place, Question
from bot.catalog.provider import Snapshot
from bot.dialogue import answers as say
from bot.dialogue.cases import asks_why_turned_down, turned_down_text
from bot.dialogue.choices import NONE_OF_THESE, asks_something_else, by_position, pick
from bot.dialogue.guide import GUIDE_TYPE
from bot.dialogue.guide_passages import guide_passage, unknown_to_the_guide
from bot.dialogue.places import (
    find_place,
    find_place_in_pinyin,
    hukou_places_as_province,
    place_label,
    place_outside,
    places_as_province,
    places_outside_as_other_province,
)
from bot.dialogue.revisions import (
    INTERJECTION,
    another_option,
    changed_answers,
    owns_a_mistake,
    question_of,
    told_back,
    with_changes,
    without_revision,
)
from bot.dialogue.situations import (
    HUKOU_QUESTION,
    NOT_SURE,
    answers_then_explains,
    option_named,
    parse_answer,
    prefill,
)
from bot.resolver.resolver import Resolution
from bot.resolver.text import normalize

RESOLVED, CLARIFY, DONE = "resolved", "clarify", "done"
DETAIL_INTENTS = {"ask_fee": "fee", "ask_time_limit": "time_limit", "ask_online": "online", "ask_office": "office",
                  "ask_in_person": "in_person", "ask_visits": "visits"}
# a courtesy in the middle of the situation questions: answered in kind, and the question comes again
SMALL_TALK = {"thanks": "不客气。", "greet": "您好。"}
# 几点上班, 周末开门吗: an office question about opening hours
# (not 上班 of a job: 他还在上班, 在这边上班)
HOURS_WORDS = re.compile(r"几点|时间|开门|[上下]班(?:吗|么|嘛|伐|不|没|前|后)|(?:什么时候|啥时候|几时)[上下]班|"
                         r"周末|周六|周日|星期|节假日|中午|晚上|营业(?!执照)")
# the follow-ups whose answer depends on the district (the hall, its opening hours)
PLACE_DETAILS = ("office", "hours")
# 能寄到家吗, 可以快递吗: whether the result can be posted, whichever follow-up the intent classifier read
POST_WORDS = re.compile(r"邮寄|快递|寄到|寄回|寄给|寄过来|能寄|可以寄|送到家|送上门")
# 一个月能领多少钱, 能领几个月, 能贷多少, 额度多少: how much or how long a benefit (or a loan, a withdrawal) pays,
# not a fee or a time limit
BENEFIT_WORDS = re.compile(r"(?:领|拿|发|报销?|退|补贴)(?:多少|几个月|几天|多久|多长时间|几钿|几多)|"
                           r"(?:贷|取|提)(?:多少|几钿|几多)(?!次)|"
                           r"额度(?:是|有)?(?:多少|几多)|(?:最多|最高)(?:能|可以)?(?:贷|取|提|领|拿)|"
                           r"(?:能|会|可以)给(?:多少|几)|(?:每个?月|一个月)(?:能|可以)?(?:有|领|拿|发)(?:多少|几钿|几多)")
# 钱打到哪, 发到哪张卡: where a benefit or a withdrawal is paid, not where to go
PAID_TO_WORDS = re.compile(r"(?:打|发|转|拨|汇|存)(?:到|进|在)(?:哪|什么|啥)|(?:哪张|哪个)(?:卡|银行卡|账户|帐户)|"
                           r"(?:到账|到帐)到哪|打(?:哪|啥)张?卡")
# 一年能取几次, 多久能提一次: how often the affair can be done (a withdrawal), not how many trips it takes
FREQUENCY_WORDS = re.compile(r"(?:取|提|领|申请|报销?)几[次回]|"
                             r"(?:多久|多长时间)(?:才)?(?:能|可以)?(?:取|提|领|办|申请)一次|"
                             r"(?:一年|每年|一个月|每月)(?:能|可以|最多)?(?:取|提|领|办|申请)(?:几|多少)次")
# 医保什么时候交, 几月份缴费: when an insurance is paid in (its payment period), not how long the affair takes
PAY_WHEN_WORDS = re.compile(r"(?:什么时候|啥时候|啥辰光|几时|几月份?|哪个月|哪段时间)(?:开始|可以|能|要|得)?(?:交|缴)|"
                            r"缴费(?:期|时间)")
# 契税要交多少, 要交哪些税: the taxes an affair involves, not its fee
TAX_WORDS = re.compile(r"契税|增值税|个人所得税|个税|印花税|购置税|车船税|税费|[交缴纳]税|"
                       r"(?:交|缴)(?:哪些|什么|几种|多少)税|税(?:要|得)?(?:交|缴)?多少|税(?:要|得)(?:交|缴)?(?:吗|么|嘛|伐|不)")
# 一个月交多少钱, 每年要缴多少, 缴费基数怎么选: what a person pays in, for insurance; for an affair whose guide says
# nothing of such payments it is the fee (护照要交多少钱)
PREMIUM_WORDS = re.compile(r"(?:每个?月|一个月|每年|一年|按月|按年)[^，。？?]{0,4}?(?:交|缴)|(?:交|缴)(?:多少|几多)|"
                           r"缴费(?:标准|基数|档次|金额)|保费")
# what a follow-up asks, read from its words when the intent classifier did not say (周末能办吗, 可以让爷爷带去吗);
# the first that matches: visits before the office (跑几次), the time it takes before opening hours (多长时间)
DETAIL_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("benefit", BENEFIT_WORDS),
    ("paid_to", PAID_TO_WORDS),
    ("pay_when", PAY_WHEN_WORDS),
    ("tax", TAX_WORDS),
    ("premium", PREMIUM_WORDS),
    ("frequency", FREQUENCY_WORDS),
    ("visits", re.compile(r"跑几次|跑几趟|几趟|去几次|跑一次")),
    ("time_limit", re.compile(r"多久|多长时间|几天|多少天|几个工作日|"
                              r"(?:什么时候|啥时候|啥辰光|几时)(?:能|可以|好|会)?(?:拿|领|好|办好|下来|出来)|"
                              r"(?:什么时候|啥时候|啥辰光|几时)(?:开始)?(?:发钱|发放|到账|到帐|打钱|给钱)")),
    ("hours", HOURS_WORDS),
    ("fee", re.compile(r"多少钱|多少钞票|几钿|铜钿|收费|收钱|要钱|交钱|花钱|费用|工本费|免费|花多少")),
    ("post", POST_WORDS),
    ("online", re.compile(r"网上|线上|浙里办|手机上|网办|app", re.IGNORECASE)),
    ("in_person", re.compile(r"本人|代办|代领|代替|替我|替俺|替他|替她|带(他|她|孩子|小孩)?去|陪同|委托|别人|"
                             r"家里人|家人|(?:叫|让)(?:儿子|女儿|闺女|孩子|老伴|老公|老婆|亲戚)|自己不去|不去能办|"
                             r"不到场|不用去")),
    ("office", re.compile(r"在哪|哪里办|哪儿办|地址|什么地方|哪个窗口|去哪")),
)
DETAIL_PATTERNS = dict(DETAIL_WORDS)
# 要带啥, 需要哪些材料: what to bring, asked of the affair just answered (naming no other)
MATERIALS_ASKED = re.compile(r"带(?:什么|啥|哪些|些啥)|(?:什么|啥|哪些|哪几样)(?:材料|资料|证件|东西)|"
                             r"准备(?:什么|啥|哪些)")
# 可以不带身份证吗, 要带房产证吗, 户口本要带吗: whether one material is needed (not 带什么, which asks for them all;
# not 交, which also pays: 社保要交吗)
MATERIAL_ASKED_ABOUT = re.compile(
    r"(?:可以|能|能不能|可不可以)?不(?:用)?(?:带|拿|提供)(?P<a>[^，。？?！!\s]{1,8}?)"
    r"(?:吗|么|嘛|呢|行不行|可以吗|行吗|也行吗)?[？?。！!]*$"
    r"|(?:要不要|需不需要|要|需要|得|用不用)(?:带|拿|提供|准备)(?P<b>[^，。？?！!\s]{1,8}?)(?:吗|么|嘛|不|呢)[？?。！!]*$"
    r"|^(?P<c>[^，。？?！!\s]{1,8}?)(?:要不要|需不需要|要|需要|得|用不用)(?:自己)?(?:带|拿|提供)(?:吗|么|嘛|不|呢)?[？?。！!]*$")
# 要照片吗, 需要户口本不: whether a thing is needed, without saying bring (taken only when it names a material)
THING_NEEDED = re.compile(r"(?:要不要|需不需要|需要|要|得|用不用)(?P<thing>[^，。？?！!\s要]{2,6}?)(?<![去来办])"
                          r"(?:吗|么|嘛|不|呢|伐)[？?。！!]*$")
# not one material: every material (带什么), money, or a person taken along (要带孩子去吗: whether the child comes)
NOT_A_MATERIAL = re.compile(r"什么|啥|哪|东西|材料|资料|证件|钱|带[^，。？?！!\s]{0,6}[去来]|"
                            r"带(?:他|她|孩子|小孩|老人|家人|本人)")
# a message that asks something (那需要本人去吗？, 还能用伐): in the middle of the situation questions it is a
# follow-up, not an answer, even when it holds an option's word (本人)
QUESTION_WORDS = re.compile(r"[?？]|吗|伐[。！!，,\s]*$|怎么|咋|哪|什么|啥|多少|多久|多长时间|如何|能不能|可不可以|"
                            r"是不是|\b(zenme|shenme|nali|naer|duoshao|ma)\b")
# 对了, 顺便问一下, 另外: what follows is asked on the side, and the affair under way is taken up again after it
BY_THE_WAY = re.compile(r"(?:那个?|哦|噢|嗯)?(?:对了|还有|顺便|另外|再问一?下|我?还想问)")
# 港澳通行证能一起办吗, 驾照也要换: the affair asked about comes as well as the one under way, not instead of it
AS_WELL = re.compile(r"(?:一起|一块儿?|一道|同时|顺带)(?:办|弄|申请|换|补)|也(?:要|想|得|需要)(?:办|弄|申请|换|补)")
# a message that asks for something to be done (我想办结婚登记): in the middle of the situation questions it may
# be another affair; a bare fact (结婚了的) that answers a question still to come is an answer, not a new affair
REQUEST_WORDS = re.compile(r"想|要办|要补|要换|要领|办理|办个|申请|咨询|问一?下|帮我|如何|\b(xiang|yao ban|shenqing)\b")
# Words that stop the conversation whatever else the message says (算了，这个不办了，怎么重新开始？).
STOP_WORDS = re.compile(r"算了|算啦|不办了|不查了|不弄了|不问了|别问了|不用了|不用查|不用继续|不想办|不继续|不要了|"
                        r"结束对话|退出对话|放弃|到此为止|重新开始|从头来|回头再说|以后再说|先这样|(?<!有)没必要|不整了|不搞了")
# 继续, 好，继续办护照, 接着来: go on with the questions (the classifier reads 继续 as a stop, like 不继续了)
CONTINUES = re.compile(r"继续|接着(?:办|来|说|问|聊)|往下(?:说|问|办)")
# words of declining or putting off (不办, 不了, 再说, 等我, 下次, 找人帮忙), not of losing (找不着, 不见了)
PUTTING_OFF = re.compile(r"不(?:办|弄|整|搞|做|了|用|要|想|需要|必)|再(?:说|办|弄|来|讲|看|问)|等(?:我|下|会|等|一下)|"
                         r"下次|下趟|明天|明早|改天|回头|帮忙")
# words of leaving (下回见, 拜拜, 我先走了, but not 我爸走了): a message that says one is a farewell
FAREWELLS = re.compile(r"(?:^|我|那)(?:先|得|要|就)?走了|再见|拜拜|白白|回见|下回|回头聊|"
                       r"(?<!\d)88(?![\d岁])|bye", re.IGNORECASE)
MAX_CLARIFY_FAILURES = 2
# 这是啥意思, 看不懂: the question asked is unclear to the person
PUZZLED = re.compile(r"什么意思|啥意思|咋个意思|看不懂|听不懂|不明白|不太懂|没看懂|不懂")
# 好的, 嗯 with nothing pending: no question, nothing missed (a message the classifier reads as affirm and says
# more, 户籍搬家, goes to the resolver like any other)
AFFIRMATION = re.compile(r"(好的?|好嘞|嗯+|哦+|噢+|行|可以|知道了|明白了?|了解了?|收到|没问题|ok|okay|对|是的?)"
                         r"[啊呀吧了的啦哈]*")
ANYTHING_ELSE = "好的。还有什么想办的事，请直接告诉我。"
# 不是，我是说驾照 / 我说的是公积金: the person corrects which affair they mean
# the words of a correction, removed before the rest is understood
CORRECTION_WORDS = re.compile(rf"^{INTERJECTION}(?:不是|不对|错了|搞错了|弄错了)+|我是说|我说的是|我要问的是|我想问的是"
                              r"|我要办的是|换成|改成")
# the button under a named affair, and what people type instead
NOT_THIS = "不是这个"
NOT_THIS_PAYLOAD = "/deny"
REJECTION = re.compile(r"(不是这个|不是这件事|不是这个事|不是我要办的|不是我要的|搞错了|弄错了|你?理解错了)"
                       r"[吧啊呀了的事情]*")
# the reply to 您是说“…”吗？ that takes the option asked about, or that says it is not that one
CONFIRMS = re.compile(r"(对+|是+的?|没错|就是|就是这个|是这个|正是|嗯+|好的?|可以|行)[啊呀吧了的啦哈呢]*")
DECLINES = re.compile(r"(不是|不对|都不是|都不对|错了|不是这个(意思)?|不)[啊呀吧了的啦哈呢]*")
# 不对，… / 不是 …: words of correction set apart from what follows (not 不是本地的, which negates 本地)
CORRECTION_APART = re.compile(rf"^{INTERJECTION}(?:不是|不对|错了|搞错了|弄错了)+[，,。.!！\s]+")
# 在嘉兴办, 去宁波办: where the affair is done (not 杭州户口, where a hukou is)
WHERE_DONE = re.compile(r"[在去到][^，。,；;]{1,8}办")
# 不是丢了，是洗坏了: what was said is set right, thing for thing
NOT_THIS_BUT_THAT = re.compile(rf"^{INTERJECTION}不是[^，,。；;]{{1,10}}[，,]\s*(?:是|而是)")
# 不对，…: the same, but not 不是, which also answers a question of yes or no (不是，我们是头婚)
WRONG_APART = re.compile(rf"^{INTERJECTION}(?:不对|错了|搞错了|弄错了)+[，,。.!！\s]+")
CORRECTION = re.compile(rf"^{INTERJECTION}(不是|不对|错了|搞错|弄错)..|我是说|我说的是|我要问的是|我想问的是|"
                        r"我要办的是|换成|改成")


@dataclass(frozen=True)
class State:
    """What the conversation knows (mirrors the Rasa slots of the same names)."""

    affair: str | None = None
    affair_state: str | None = None
    clarify_options: tuple[str, ...] = ()
    clarify_failures: int = 0
    answers: dict[str, str] = field(default_factory=dict)
    district: str | None = None
    pending_detail: str | None = None
    also_affair: str | None = None  # a second affair the first message asked for, offered after the guide
    clarify_each: bool = False  # the words spoke for each choice: the ones not picked follow the guide
    suggested_answer: str | None = None  # `key:value` of the option asked about (您是说“…”吗？), for one reply
    # for each affair offered as a choice, the answers the message that brought the choices already gave; for the
    # affair offered after the guide (`also_affair`), the answers already known for it
    clarify_answers: dict[str, dict[str, str]] = field(default_factory=dict)
    also_set_aside: bool = False  # that affair was under way and set aside (对了，…): taken up again, not new


@dataclass
class Turn:
    """The replies of a turn and the state after it."""

    state: State
    replies: list[say.Reply] = field(default_factory=list)

    def changes(self, before: State) -> dict[str, Any]:
        """Slots whose value changed (affair_state is always reported: rules branch on it)."""
        after = self.state
        changed = {name: getattr(after, name) for name in State.__dataclass_fields__
                   if getattr(after, name) != getattr(before, name)}
        changed["affair_state"] = after.affair_state
        if "clarify_options" in changed:
            changed["clarify_options"] = list(after.clarify_options)
        return changed


def asks_something(text: str) -> bool:
    """Whether a message asks a question (吗, ？, 怎么, zenme ...)."""
    return bool(QUESTION_WORDS.search(text.lower()))


def says_to_go_on(text: str) -> bool:
    """Whether a message asks to go on with the questions under way (继续, 好，继续办护照), saying no stop."""
    return bool(CONTINUES.search(text)) and not STOP_WORDS.search(text) and "取消" not in text


GO_ON = "好的，我们接着来。"


def material_asked_about(text: str) -> str | None:
    """The one material a message asks whether to bring (可以不带身份证吗: 身份证), or None."""
    found = MATERIAL_ASKED_ABOUT.search(text.strip())
    if found is None or NOT_A_MATERIAL.search(found.group()):
        return None  # 要带什么: every material, which the guide gives
    return next((t for t in found.groups() if t), None)


def thing_needed(text: str) -> str | None:
    """What a message asks whether it needs, without saying bring (要照片吗: 照片), or None."""
    found = THING_NEEDED.search(text.strip())
    return None if found is None or NOT_A_MATERIAL.search(found.group()) else found.group("thing")


def _one_of_its_materials(snap: Snapshot, affair: Affair | None, thing: str | None) -> str | None:
    """`thing` when it names, with most of its words, a material the affair (or a part of it) asks for in some
    situation: 要照片吗 asks of the photo, where 要体检吗 asks of a check, no paper of the licence's list, and
    要签劳动合同吗 of no 劳动能力鉴定结论书."""
    if thing is None or affair is None:
        return None
    owners = [affair, *snap.catalog.parts_of(affair)]
    return thing if any(say.names_a_material(snap.catalog, thing, m.name, wholly=True)
                        for a in owners for m in a.materials) else None


def _material_answered(snap: Snapshot, state: State, text: str, hotline: str) -> Turn | None:
    """可以不带身份证吗, about the affair under way or just answered: whether it is on the list in the person's
    situation. None for any other message, one the resolver reads as another affair, or with no affair."""
    affair = snap.catalog.affair(state.affair) if state.affair_state in (DONE, RESOLVED) else None
    thing = material_asked_about(text) or _one_of_its_materials(snap, affair, thing_needed(text))
    if thing is None or affair is None or not say.is_a_material(snap.catalog, thing) or \
            snap.resolver.resolve(text).affair not in (None, affair.id):
        return None  # 办护照要带身份证吗, among another affair's questions: about the passport
    said = say.material_asked_text(snap.catalog, affair, state.answers, thing, hotline)
    return Turn(state, [say.Reply(f"【{affair.short_name}】{said}")])


def detail_in_words(text: str) -> str | None:
    """The follow-up a message's words ask for, or None."""
    return next((detail for detail, words in DETAIL_WORDS if words.search(text)), None)


def detail_for(intent: str | None, text: str, pending: str | None = None) -> str:
    """Which follow-up a message asks for: fee, time limit, online, office, hours, in person, visits, post, what
    a benefit pays and where to, or what one pays in."""
    detail = DETAIL_INTENTS.get(intent or "", pending or "office")
    if BENEFIT_WORDS.search(text):
        return "benefit"
    if PAID_TO_WORDS.search(text):
        return "paid_to"
    if PAY_WHEN_WORDS.search(text):
        return "pay_when"
    if TAX_WORDS.search(text):
        return "tax"
    if PREMIUM_WORDS.search(text):
        return "premium"
    if POST_WORDS.search(text):
        return "post"
    if detail == "office" and HOURS_WORDS.search(text):
        return "hours"
    worded = detail_in_words(text)  # 要多少钞票, read as a time limit: the words say a fee
    if worded is not None and detail in DETAIL_PATTERNS and not DETAIL_PATTERNS[detail].search(text):
        return worded
    return detail


def _prefilled(snap: Snapshot, affair: Affair, answers: dict[str, str], text: str,
               asked: Question | None = None) -> dict[str, str]:
    """`answers` and those the text gives to the affair's questions still pending, including the questions its
    own answers open (已经结婚了，我们都是杭州户口: married, so the parents' hukou is asked, and it is given too),
    and those waiting on an answer not given yet (我们都是杭州户口 alone: kept for when marriage opens it), and
    preferences told on the way (也没员工: no social-insurance account opening, not listed as a choice). The
    question `asked`, which the text answers, keeps its words (贷款还清了 says nothing of a buyer's loan). A
    place of the province names a hukou's province only when it says so (杭州户口): see `hukou_places_as_province`;
    one outside it reads 外省 (在上海生的, against 宁波 in 户口要落在宁波: then the birthplace stays to ask)."""
    readings = [reading for reading in (hukou_places_as_province(snap.catalog, text),
                                        places_outside_as_other_province(snap.catalog, text)) if reading != text]
    answers = dict(answers)
    claimants = [asked] if asked is not None else []
    while given := prefill([(p.key, p.question) for p in (*snap.catalog.pending_questions(affair, answers),
                                                          *snap.catalog.told_not_asked(affair, answers),
                                                          *snap.catalog.waiting_questions(affair, answers),
                                                          *snap.catalog.open_preferences(affair, answers))],
                           text, readings, first_message=True, claimants=claimants):
        answers.update(given)
    return answers


# a place spoken of as elsewhere (温州那边, 老家温州, 从温州迁过来): not where the person is or has it done
ELSEWHERE_AFTER = re.compile(r"^(?:市|县|区)?(?:那边|那里|那儿|那头|老家)")
ELSEWHERE_BEFORE = re.compile(r"(?:老家(?:在|是)?|从|回|离开|原来在|以前在)$")


def _named_in_passing(place: Place, text: str) -> bool:
    """Whether every mention of `place` in `text` speaks of it as elsewhere (温州那边, 老家温州, 从温州迁过来)."""
    names = sorted({place.name, *place.aliases}, key=len, reverse=True)
    spans = [(m.start(), m.end()) for name in names if name for m in re.finditer(re.escape(name), text)]
    return bool(spans) and all(ELSEWHERE_AFTER.search(text[end:]) or ELSEWHERE_BEFORE.search(text[:start])
                               for start, end in spans)


def _offered(snap: Snapshot, state: State, options: Sequence[str], text: str, **changes: Any) -> State:
    """The state that offers `options` as choices, remembering for each one the answers `text` already gives
    (孩子十岁，身份证怎么办: whichever card is picked, the applicant is a minor)."""
    given = {o: _prefilled(snap, a, {}, text) for o in options if (a := snap.catalog.affair(o)) is not None}
    return replace(state, affair_state=CLARIFY, clarify_options=tuple(options),
                   clarify_answers={o: a for o, a in given.items() if a}, **changes)


def _choose(snap: Snapshot, state: State, affair_id: str, text: str, also: str | None = None,
            aside: bool = False) -> Turn:
    """Make `affair_id` the current affair, keeping answers only if it did not change (or, when it was
    picked among choices or taken up again after being set aside, those already known for it); `also` is a second
    affair, offered once the guide has been given: one the message spoke for too (a choice not picked among
    `Resolution.each`), or, with `aside`, the affair under way, set aside with its answers (对了，…)."""
    affair = snap.catalog.affair(affair_id)
    if affair is None:
        return Turn(replace(state, affair_state=DONE), [say.Reply("抱歉，没有找到这个事项，请换个说法再说一次。")])
    kept = state.answers if affair_id == state.affair else state.clarify_answers.get(affair_id, {})
    resumed = state.also_set_aside and affair_id != state.affair and affair_id in state.clarify_answers
    second = snap.catalog.affair(also) if also != affair_id else None
    waiting = {} if second is None else {
        second.id: dict(state.answers) if aside else _prefilled(snap, second, state.clarify_answers.get(second.id, {}),
                                                                text)}
    chosen = replace(state, affair=affair_id, affair_state=RESOLVED, clarify_options=(), clarify_answers=waiting,
                     answers=_prefilled(snap, affair, dict(kept), text), pending_detail=None,
                     also_affair=second.id if second else None, also_set_aside=aside and second is not None,
                     suggested_answer=None)
    asked = required_slots(snap, chosen)
    if not asked:
        return Turn(chosen)  # the full guide comes next and names the affair itself
    if resumed:
        known = "，您之前的回答都记着" if kept else ""
        return Turn(chosen, [say.Reply(f"好的，我们接着办【{affair.name}】{known}。")])
    what = "先问您几个问题，好给您准确的材料清单。" if "situation_answer" in asked else "再告诉我在哪里办就行。"
    later = "" if second is None else (f"【{second.name}】先放一放，这件说完后再接着办。" if aside else
                                       f"您可能还要办【{second.name}】，这件说完后再给您讲。")
    heed = "".join(f"请注意：{notice}" for notice in say.situation_notices(snap.catalog, affair, chosen.answers))
    return Turn(chosen, [say.Reply(f"好的，您要办的是【{affair.name}】。{heed}{what}{later}如果不是，请点“不是这个”。",
                                   [(NOT_THIS, NOT_THIS_PAYLOAD)])])


def _not_picked(state: State, picked: str) -> str | None:
    """When the choices offered were each spoken for (`Resolution.each`), the first one not picked: it follows
    the guide the way a second need does."""
    if state.affair_state != CLARIFY or not state.clarify_each:
        return None
    return next((o for o in state.clarify_options if o != picked), None)


def is_rejection(text: str) -> bool:
    """不是这个 (or its button): the affair just named is not the one meant."""
    return text.strip() == NOT_THIS_PAYLOAD or REJECTION.fullmatch(normalize(text)) is not None


def _bundle_named(snap: Snapshot, options: Sequence[str], text: str) -> str | None:
    """The one bundle among the affairs offered that the message names word for word (退休一件事, 出生一件事),
    or None."""
    said = normalize(text)
    named = [option for option in options if (affair := snap.catalog.affair(option)) is not None and affair.is_bundle
             and any(normalize(name) in said for name in (affair.short_name, *affair.aliases) if normalize(name))]
    return named[0] if len(named) == 1 else None


def _rejected(state: State, hotline: str) -> Turn:
    """Forget the affair that was named wrongly and ask again; offer the hotline after two misses."""
    failures = state.clarify_failures + 1
    new = replace(state, affair=None, answers={}, affair_state=DONE, clarify_options=(), clarify_failures=failures,
                  also_affair=None, clarify_answers={})
    if failures >= MAX_CLARIFY_FAILURES:
        text = f"抱歉，还是没能弄清您要办的事。建议拨打 {hotline} 政务服务便民热线，由人工为您解答。"
    else:
        text = "抱歉，是我理解错了。请换个说法，多说一点情况，比如“孩子出生要上户口”“驾照到期换证”。"
    return Turn(new, [say.Reply(text)])


def understand(snap: Snapshot, state: State, text: str, intent: str | None, choice: str | None,
               hotline: str) -> Turn:
    """Work out the affair from a message: a pick from offered choices, a new affair, a district, or none. A
    message said when a case lookup that broke into an affair's questions is over (or cancelled) is read as those
    questions read their replies: the questions go on."""
    interrupted = _interrupted_form(snap, state) if not choice else None
    if interrupted == "situation_answer":
        return take_situation_answer(snap, state, text, intent, hotline)
    if interrupted == "district":
        return take_district(snap, state, text, intent, hotline)
    place = find_place(snap.catalog, text)
    if place is not None and state.district and state.district != place.code and \
            _named_in_passing(place, text):
        place = None  # 温州那边要不要开证明, after 杭州余杭: still done in 余杭
    if place is not None:
        state = replace(state, district=place.code)
    if choice:
        if choice == NONE_OF_THESE:
            return _none_fits(state, hotline)
        return _choose(snap, state, choice, text, also=_not_picked(state, choice))
    if intent == "ask_materials" and not text.strip() and state.affair and state.affair_state != CLARIFY:
        return _choose(snap, state, state.affair, "")  # the 完整办理指南 button: no words, the current affair
    if AFFIRMATION.fullmatch(normalize(text)):
        kept = state if state.affair_state == CLARIFY else replace(state, affair_state=DONE)  # choices stay open
        return Turn(kept, [say.Reply(ANYTHING_ELSE)])  # 好的, 嗯: nothing to do, nothing missed
    if state.affair and state.affair_state in (DONE, RESOLVED):
        revised = _revised(snap, state, text, None)  # 不对，我记错了，其实是外省户口, after the guide: the guide again
        if revised is not None:
            return Turn(replace(revised.state, affair_state=RESOLVED), revised.replies)
        chosen = _bundle_choice_told(snap, state, text)  # 水电不用过户了, after a bundle's guide: the guide again
        if chosen is not None:
            return chosen
        if place is not None and state.affair_state == DONE and CORRECTION_APART.search(text) and \
                (WHERE_DONE.search(text) or not _says_a_hukou(snap, text)):
            return Turn(replace(state, affair_state=RESOLVED),  # 不对，我们在嘉兴办: the guide again, for 嘉兴
                        [say.Reply(f"好的，已改为在{place_label(snap.catalog, place)}办理。")])
        asked_about = _material_answered(snap, state, text, hotline)  # 可以不带户口本吗, after the guide
        if asked_about is not None:
            return asked_about
    result = snap.resolver.resolve(text)
    taken_up = _taken_up(snap, state, text, result.affair)
    if taken_up is not None:
        return taken_up
    choosing = state.affair_state == CLARIFY and bool(state.clarify_options)
    given = _given_to_options(snap, state, text) if choosing else {}
    if choosing:
        picked = pick(text, list(state.clarify_options), snap.resolver)
        if picked == NONE_OF_THESE:
            return _none_fits(state, hotline)
        if _asks_of_no_choice(snap, state, text, result.affair):
            return _which_first(snap, state, detail_in_words(text))
        if picked and not _tells_of_several(snap, state, text, picked, result.affair, given):
            return _choose(snap, state, picked, text, also=_not_picked(state, picked))
    options = list(state.clarify_options)
    if state.affair_state == CLARIFY and result.affair not in options and \
            not (result.affair and asks_something_else(text, options, snap.resolver)):  # 身份证丢了, among 驾照's
        noted = _noted_among_choices(snap, state, text, given)
        if noted is not None:
            return noted
    if (detail := detail_in_words(text)) and state.affair_state == DONE and \
            (result.affair == state.affair or _part_of_the_bundle(snap, state, result) or
             asks_only_the_detail(text) or _of_the_guide_alone(snap, state, text)):
        return answer_detail(snap, state, text, detail, hotline)  # 交了6年能领几个月, after its guide: no restart
    if state.affair_state == DONE and result.affair == state.affair and asks_something(text) and \
            (quoted := _quoted_from_the_guide(snap, state, text, hotline, result)) is not None:
        return quoted  # 领失业金期间医保要自己交吗, after its guide: the sentence that says, not the guide again
    if state.affair_state == DONE and state.affair in result.clarify:  # 体检在哪做, among 驾照 and 教师资格
        followed = _follow_up_on_the_guide(snap, state, text, hotline, result)
        if followed is not None:
            return followed
    if result.affair:
        return _with_detail_asked(snap, _choose(snap, state, result.affair, text), text, hotline)
    if result.clarify and (bundle := _bundle_named(snap, result.clarify, text)) is not None:
        return _choose(snap, state, bundle, text)  # 退休一件事怎么办: no choice with the pension it holds
    if result.clarify:
        if len(result.clarify) == 1:
            return _choose(snap, state, result.clarify[0], text)  # named with 不是这个, so a miss costs one tap
        new = _offered(snap, state, result.clarify, text, clarify_each=result.each)
        return Turn(new, [say.clarify_reply(snap.catalog, list(result.clarify), result.topic, each=result.each)])
    if state.affair_state == CLARIFY and place is not None:  # 杭州萧山, said to a choice: kept for the guide
        return Turn(state, [say.Reply(f"好的，已记下您在{place_label(snap.catalog, place)}。"),
                            _the_same_choice(snap, state)])
    if state.affair_state == CLARIFY:
        return _choice_not_read(snap, state, hotline)
    if place is not None and state.affair and state.affair_state == DONE and _beyond_the_guide(snap, state, text):
        return Turn(state, [say.Reply(not_mine_text(hotline))])  # 宁波租房一个月多少钱: not the guide's hall
    if place is not None and state.affair:
        detail = state.pending_detail or "office"
        return answer_detail(snap, replace(state, pending_detail=None), text="", detail=detail, hotline=hotline)
    if place is not None:
        label = place_label(snap.catalog, place)
        return Turn(replace(state, affair_state=DONE),
                    [say.Reply(f"好的，已记下您在{label}。请问您想办什么事？")])
    if intent == "deny" or is_rejection(text):
        return _rejected(state, hotline)
    if state.affair and state.affair_state == DONE and MATERIALS_ASKED.search(text):
        return _choose(snap, state, state.affair, "")  # 要带啥, after the guide: the guide again, as its button gives
    detail = detail_in_words(text) if state.affair else None
    if (detail is not None or state.affair and state.affair_state == DONE) and \
            not _beyond_the_guide(snap, state, text):  # a follow-up on the affair answered, not 口腔医院洗牙要多少钱
        followed = _follow_up_on_the_guide(snap, state, text, hotline, result)
        if followed is not None:
            return followed
    if asks_why_turned_down(text):  # 为什么被驳回, after a lookup told of a rejection: not "not mine", no handoff
        return Turn(replace(state, affair_state=DONE if state.affair else state.affair_state),
                    [say.Reply(turned_down_text(hotline))])
    reply = ask_more_text() if result.vague else not_mine_text(hotline)
    return Turn(replace(state, affair_state=DONE, clarify_failures=state.clarify_failures + 1), [say.Reply(reply)])


# follow-ups a first message may ask with the affair (身份证坏了要换 多少钱), answered before its questions
DETAILS_ANSWERED_FIRST = ("fee", "time_limit", "visits", "benefit", "paid_to", "premium", "frequency", "pay_when",
                          "tax")


def _with_detail_asked(snap: Snapshot, turn: Turn, text: str, hotline: str) -> Turn:
    """The turn that takes an affair up, with the answer to the fee, time limit, trips or benefit the message
    asks about as well, right after the affair is named (the situation questions follow, and the guide)."""
    detail = detail_in_words(text) if asks_something(text) else None
    affair = snap.catalog.affair(turn.state.affair)
    if detail not in DETAILS_ANSWERED_FIRST or affair is None or turn.state.affair_state != RESOLVED:
        return turn
    answer = say.detail_reply(snap.catalog, affair, detail, turn.state.answers, None, hotline, buttons=False)
    return Turn(turn.state, [*turn.replies[:1], answer, *turn.replies[1:]])


def _tells_of_several(snap: Snapshot, state: State, text: str, picked: str, decided: str | None,
                      given: dict[str, dict[str, str]]) -> bool:
    """Whether a reply that `pick` reads by its words, not by place, only tells a fact that answers a question
    several offered affairs ask alike (在家里走的, among 身后一件事 and the death's hukou cancellation): it does not
    tell them apart, though the ranking leans to one. A reply that decides the affair by itself (户口注销) still
    picks it, and so does one that answers different questions of each (快到期了, among the driving licence's two).
    `decided` is the affair the resolver decides for the reply; `given`, the answers it gives each offered affair."""
    if by_position(text, list(state.clarify_options)) is not None or decided == picked:
        return False
    known, asked = state.clarify_answers, Counter()
    for option, answers in given.items():
        affair = snap.catalog.affairs[option]
        asked.update({q.ask for key in answers.keys() - known.get(option, {}).keys()
                      if (q := question_of(snap, affair, key)) is not None})
    return any(count >= 2 for count in asked.values())


def _given_to_options(snap: Snapshot, state: State, text: str) -> dict[str, dict[str, str]]:
    """For each affair offered, its answers known so far with those a reply to the choice gives."""
    known = state.clarify_answers
    return {o: _prefilled(snap, a, known.get(o, {}), text) for o in state.clarify_options
            if (a := snap.catalog.affair(o)) is not None}


def _noted_among_choices(snap: Snapshot, state: State, text: str, given: dict[str, dict[str, str]]) -> Turn | None:
    """A reply to a choice that picks none of the affairs offered but answers a question of one (在杭州生的, 已经领证了,
    among the newborn's registration and 出生一件事): kept for the affair it answers, and the same choice asked again.
    None when it answers nothing new, or asks or requests something (then it may be another affair). `given` holds
    each offered affair's answers with the reply's (`_given_to_options`)."""
    if asks_something(text) or REQUEST_WORDS.search(text):
        return None
    known = state.clarify_answers
    if all(answers == known.get(o, {}) for o, answers in given.items()):
        return None
    kept = replace(state, clarify_answers={o: a for o, a in given.items() if a})
    return Turn(kept, [say.Reply("好的，这一点记下了。"),
                       _the_same_choice(snap, state)])


# what a bare follow-up says besides its detail words (吗, 呢): nothing about which affair
# the particles and stops around a follow-up (多少钱一年呀？)
FOLLOW_UP_PARTICLES = re.compile(r"[吗呢啊呀吧嘛\s，。,.？?！!]")
# the particles of dialect and speech that a word cutter may glue to a word (拿到手伐, 上伐)
DIALECT_PARTICLES = re.compile(r"[伐啦哈嘞咯噻]")
# what a bare follow-up says around its detail words (那要去几趟呀？ 多久能拿到): nothing that could name an affair
FOLLOW_UP_FILLER = re.compile(r"请问|那么?|大概|一共|总共|一下|需要|还要|要|得|去|来|跑|办|弄|能|可以|是|"
                              r"我们?|这个|那个|的|了|拿到|办好|下来|出来|[吗呢啊呀吧嘛么哦伐\s，。,.？?！!~]")


def _beyond_the_follow_up(text: str, filler: re.Pattern[str] = FOLLOW_UP_FILLER) -> str:
    """What a message says besides its follow-up's words and the `filler` around them."""
    rest = normalize(text)
    for words in DETAIL_PATTERNS.values():
        rest = words.sub("", rest)
    return filler.sub("", rest)


def asks_only_the_detail(text: str) -> bool:
    """True when the message is a follow-up's words and nothing more (要去几趟, 那多少钱呀？): after a guide it asks
    of that guide, whatever affair the resolver may read into so few words."""
    return detail_in_words(text) is not None and not _beyond_the_follow_up(text)


def _asks_of_no_choice(snap: Snapshot, state: State, text: str, resolved: str | None) -> bool:
    """Whether a message sent while choices are open is a bare follow-up (多少钱一年) that says nothing else, so not
    which affair it is about: ranking the choices by it would pick one the person never chose. 补的那个多久能拿
    says which, and 地址变了要改 holds 地址 by chance."""
    options = list(state.clarify_options)
    if detail_in_words(text) is None or by_position(text, options) or resolved in options:
        return False
    return len(_beyond_the_follow_up(text, FOLLOW_UP_PARTICLES)) <= 2 or not _beyond_the_follow_up(text)


def _which_first(snap: Snapshot, state: State, detail: str | None) -> Turn:
    """A follow-up asked while choices are open, of none of them: the choices again, and the follow-up answered
    once one is picked (`pending_detail`)."""
    return Turn(replace(state, pending_detail=detail), [say.Reply("您问的是哪一项？请先从下面选一项，我再告诉您。"),
                                                         _the_same_choice(snap, state)])


def _the_same_choice(snap: Snapshot, state: State) -> say.Reply:
    """The choice still open, offered again as it was."""
    return say.clarify_reply(snap.catalog, list(state.clarify_options), each=state.clarify_each)


# a reply this short that answers a question of the affair asked about is taken as an answer, whatever affair its
# words alone would suggest
FEW_WORDS = 8


def _taken_up(snap: Snapshot, state: State, text: str, resolved: str | None) -> Turn | None:
    """已满16周岁, after 身份证要换了，多久能拿到 was answered with no questions asked: an answer, in its own words, to
    situation questions of the affair asked about starts its questions with it. None for any other message (one
    that asks or requests something, or a longer one the resolver reads as another affair (`resolved`), may be
    another affair; a few words that answer, 合同没备案, are an answer though 备案 sounds like 异地就医备案), or
    when the guide was given (nothing is pending then)."""
    affair = snap.catalog.affair(state.affair) if state.affair and state.affair_state == DONE else None
    elsewhere = resolved not in (None, getattr(affair, "id", None)) and len(normalize(text)) > FEW_WORDS
    if affair is None or elsewhere or asks_something(text) or REQUEST_WORDS.search(text) \
            or not snap.catalog.pending_questions(affair, state.answers):
        return None
    if _prefilled(snap, affair, state.answers, text) != state.answers:
        return _choose(snap, state, affair.id, text)  # which records what the message answers
    restated = _restated(snap, affair, state, text, _readings(snap, text))  # 企业退休的, when that was told
    if not restated:
        return None
    taken = _choose(snap, state, affair.id, text)
    return Turn(taken.state, [_restated_reply(snap, affair, restated), *taken.replies])


def answers_the_affair_asked_about(snap: Snapshot, state: State, text: str) -> bool:
    """Whether a message would be taken up as answers to the affair a follow-up was asked about (`_taken_up`)."""
    return _taken_up(snap, state, text, snap.resolver.resolve(text).affair) is not None


def _in_progress(snap: Snapshot, state: State) -> Affair | None:
    """The affair whose situation questions are under way (or were, until a case lookup broke in), if any."""
    return snap.catalog.affair(state.affair) if state.affair and state.affair_state == RESOLVED else None


def _interrupted_form(snap: Snapshot, state: State) -> str | None:
    """The slot the situation questions were asking (an answer or the district) when a case lookup broke in, if
    they are still under way; None otherwise."""
    slots = required_slots(snap, state) if _in_progress(snap, state) is not None else []
    return slots[0] if slots else None


def cancelled(snap: Snapshot, state: State, in_lookup: bool) -> Turn | None:
    """取消 in a case lookup that broke into the situation questions stops the lookup only: the turn that says so,
    after which the affair's questions go on from where they were. None for any other 取消, which stops and forgets
    the half-answered situation (the domain's `utter_cancelled` says so)."""
    going_on = unfinished(snap, state) if in_lookup else []
    return Turn(state, [say.Reply("好的，已取消查询。"), *going_on]) if going_on else None


def unfinished(snap: Snapshot, state: State) -> list[say.Reply]:
    """After a case lookup that broke into an affair's questions: the affair named and its next question (or the
    place), so that the person goes on where they were. Empty when no affair's questions are under way."""
    affair = _in_progress(snap, state)
    slots = required_slots(snap, state) if affair is not None else []
    if affair is None or not slots:
        return []
    asked = next_question(snap, state) if slots[0] == "situation_answer" else ask_district()
    return [say.Reply(f"刚才的【{affair.name}】还没说完，我们接着来。"), *([asked] if asked else [])]


def is_miss(before: State, turn: Turn) -> bool:
    """The turn could not help: no affair of ours, none of the offered ones, or the one named was wrong."""
    return turn.state.clarify_failures > before.clarify_failures


def misses_reached(before: State, turn: Turn) -> bool:
    """This turn is the second miss in a row: time for a person."""
    return is_miss(before, turn) and turn.state.clarify_failures >= MAX_CLARIFY_FAILURES


def gave_full_answer(turn: Turn) -> bool:
    """The turn gave the full guide (the moment to ask for a rating)."""
    return any(r.data and r.data.get("type") == GUIDE_TYPE for r in turn.replies)


def not_mine_text(hotline: str) -> str:
    """What an abstained question hears: kindly, what OneVisit can do, and where to ask the rest."""
    return ("抱歉，这件事不在我能办理的范围内。我能帮您查浙江政务服务事项的办理材料、地点、时限和费用"
            f"（比如补办身份证、给孩子上户口、提取公积金），也能查办件进度。"
            f"其他问题请拨打 {hotline} 政务服务便民热线。")


def ask_more_text() -> str:
    """What a message with nothing to go on hears (办个证, 咨询一下): not "not mine", but a request to say more."""
    return ("请问您具体想办什么事呢？直接说事情就好，比如“身份证丢了要补办”“给孩子上户口”“公积金怎么提取”。"
            "我也能帮您查办件进度。")


def _none_fits(state: State, hotline: str) -> Turn:
    """The person said none of the offered affairs fits; after two misses offer the hotline."""
    failures = state.clarify_failures + 1
    new = replace(state, affair_state=DONE, clarify_options=(), clarify_failures=failures, clarify_answers={})
    if failures >= MAX_CLARIFY_FAILURES:
        text = f"抱歉，还是没能找到您要办的事项。建议拨打 {hotline} 政务服务便民热线，由人工为您解答。"
    else:
        text = "好的。请您换个说法，多说一点情况，比如“孩子出生要上户口”“驾照到期换证”。"
    return Turn(new, [say.Reply(text)])


def _choice_not_read(snap: Snapshot, state: State, hotline: str) -> Turn:
    """A reply to a choice that picks none of it, names no other affair and does not say 都不是 (还没办过): the same
    choice asked again, counted as a miss; the second miss offers the hotline."""
    if state.clarify_failures + 1 >= MAX_CLARIFY_FAILURES:
        return _none_fits(state, hotline)
    again = replace(state, clarify_failures=state.clarify_failures + 1)
    return Turn(again, [say.Reply("抱歉，我没看出您选的是哪一项。请点选一项或说“第几个”；都不符合的话，请点“都不是”。"),
                        _the_same_choice(snap, state)])


def required_slots(snap: Snapshot, state: State) -> list[str]:
    """The form's remaining slots: the next situation question, then the district."""
    affair = snap.catalog.affair(state.affair)
    if affair is None or state.affair_state == CLARIFY:
        return []
    slots = ["situation_answer"] if snap.catalog.pending_questions(affair, state.answers) else []
    if state.district not in snap.catalog.places:  # unknown, or a typed answer still to be understood
        slots.append("district")
    return slots


def _question_asked(snap: Snapshot, state: State) -> Question | None:
    """The situation question the conversation asks next (or is asking), if any."""
    affair = snap.catalog.affair(state.affair)
    pending = snap.catalog.pending_questions(affair, state.answers) if affair else []
    return pending[0].question if pending else None


def next_question(snap: Snapshot, state: State) -> say.Reply | None:
    """The next situation question to ask, with its options as buttons."""
    question = _question_asked(snap, state)
    if question is None:
        return None
    return say.question_reply(question.ask, [(o.value, o.label) for o in question.options])


def take_situation_answer(snap: Snapshot, state: State, text: str, intent: str | None = None,
                          hotline: str = "12345") -> Turn:
    """Record the answer to the pending question, answer a follow-up, switch affair on a correction, or ask again."""
    affair = snap.catalog.affair(state.affair)
    pending = snap.catalog.pending_questions(affair, state.answers) if affair else []
    if not pending:
        return Turn(state)
    suggested, asked = _suggestion(state, pending[0]), state.suggested_answer
    state = replace(state, suggested_answer=None)
    if suggested is not None and CONFIRMS.fullmatch(normalize(text)):  # 您是说“冷静期已满”吗？ 是的
        return _answered(snap, state, pending, "", suggested)
    if suggested is not None and DECLINES.fullmatch(normalize(text)):
        return Turn(state, [say.Reply("好的，那请从下面选一项。")])
    tapped = option_named(pending[0].question, text)
    if tapped is not None:  # its button (不是登记备案人员): no correction, though it starts with 不是
        return _answered(snap, state, pending, text, tapped.value)
    if says_to_go_on(text) and parse_answer(pending[0].question, text) is None:
        return Turn(state, [say.Reply(GO_ON)])  # the question comes again
    asked_about = _material_answered(snap, state, text, hotline)  # 可以不带户口本吗: not an answer, not 户口
    if asked_about is not None:
        return asked_about
    place = find_place(snap.catalog, text)
    if place is not None:
        state = replace(state, district=place.code)
        if _corrects_the_place(snap, pending[0].question, text, place):
            return Turn(state, [say.Reply(f"好的，已改为在{place_label(snap.catalog, place)}办理。")])
    text = _answer_after_correcting(snap, pending[0].question, text) or text  # 不对，是杭州户口: 是杭州户口
    turned = _turned_from(snap, state, text, hotline, pending[0].question,
                          explains=answers_then_explains(pending[0].question, text))
    if turned is not None:
        return turned
    follow_up = None
    if asks_something(text):  # 那需要本人去吗？ asks about going in person; it does not answer 已满16周岁
        follow_up = _follow_up(intent, text)
    if follow_up is not None and affair is not None:
        others = _other_affairs(snap, affair, pending[0].question.ask, text)
        if len(others) > 1:
            return _offer_others(snap, state, others, text, follow_up)
        if not others and _beyond_the_guide(snap, state, text):  # 口腔医院洗牙要多少钱: not this affair's fee
            return Turn(state, [say.Reply(not_mine_text(hotline))])  # and the question comes again
        if not others:
            return _answered_between(snap, state, affair, follow_up, hotline)
        other = others[0]
        switched = _switch(snap, state, other, text)  # 小孩第一次办身份证要去哪里, among a withdrawal's questions
        about = snap.catalog.affairs[other]
        return Turn(switched.state, [*switched.replies,
                                     *_answered_between(snap, switched.state, about, follow_up, hotline).replies])
    asking = bool(REQUEST_WORDS.search(text)) or asks_something(text)
    # 身份证丢了怎么补办, to 双方的结婚证还在吗: 丢了 is no answer about the marriage certificate;
    # 买了房子能不能落户，要什么手续, among a company registration's questions, offers the hukou moves
    elsewhere = _to_other_affairs(snap, state, _other_affairs(snap, affair, pending[0].question.ask, text)
                                  if asking else [], text)
    if elsewhere is not None:
        return elsewhere
    readings = _readings(snap, text)
    mistaken = _mistake_owned(snap, state, affair, text, pending[0].question)
    if mistaken is not None:
        return mistaken
    value = parse_answer(pending[0].question, text, _with_province(readings, text, place))
    if value is not None:
        return _answered(snap, state, pending, text, value)
    later = _answers_to_later_questions(pending[1:], text, readings)
    if not later and not asking:
        elsewhere = _to_other_affairs(snap, state, _other_affairs(snap, affair, pending[0].question.ask, text), text)
        if elsewhere is not None:
            return elsewhere
    value = snap.answer_examples.choose(pending[0].question, text)  # 三十天已经过了, in other words than the hints
    if value is not None:
        return _answered(snap, state, pending, text, value)
    if later:  # 户口是安徽的 to the age question: 外省户口 is kept and told back, and the age is asked again
        noted = "；".join(option.label for _, option in later)
        given = {key: option.value for key, option in later}
        still = f"刚才问您的，是“{pending[0].question.option(suggested).label}”吗？是的话请回复“是”。" \
            if suggested is not None else ""
        return Turn(replace(state, answers={**state.answers, **given}, suggested_answer=asked),  # 您是说… still
                    [say.Reply(f"好的，已记下：{noted}。{still}")])
    restated = {} if asks_something(text) or place is not None and not _says_a_hukou(snap, text) else \
        _restated(snap, affair, state, text, readings)  # not 父母都是本地户口吗？, nor 杭州西湖区 (where, not 户口)
    if restated:  # 孩子十岁, when 未满16周岁 was known
        return Turn(state, [_restated_reply(snap, affair, restated)])
    if place is not None and state.pending_detail in PLACE_DETAILS:  # 在哪办 → 请告诉我您在哪个市 → 余杭
        return _answered_between(snap, replace(state, pending_detail=None), affair, state.pending_detail, hotline)
    if place is not None:
        label = place_label(snap.catalog, place)
        return Turn(state, [say.Reply(f"好的，已记下您在{label}。")])
    if intent in SMALL_TALK and affair is not None:
        return Turn(state, [say.Reply(SMALL_TALK[intent])])
    if intent in DETAIL_INTENTS and affair is not None and not _beyond_the_guide(snap, state, text):
        return _answered_between(snap, state, affair, detail_for(intent, text), hotline)
    question = pending[0].question
    likely = snap.answer_examples.suggest(question, text)  # 冷静期好像差不多了: asked about, not recorded
    if likely is not None:
        label = question.option(likely).label
        return Turn(replace(state, suggested_answer=suggestion_of(pending[0].key, likely)),
                    [say.Reply(f"我不太确定您的意思。您是说“{label}”吗？是的话请回复“是”；不是的话，请从下面选一项。")])
    options = "、".join(o.label for o in question.options)
    if NOT_SURE.search(text):  # 不清楚, to a question none of whose options says so: how to find out
        return Turn(state, [say.Reply("没关系。这一项决定要准备哪些材料，您可以先问问家人、看看相关证件，"
                                      f"弄清楚后再告诉我；也可以拨打 {hotline} 咨询。")])
    if PUZZLED.search(text):  # 这是啥意思: the question itself is unclear to them
        return Turn(state, [say.Reply(f"请从这几项里选一个最接近您情况的：{options}。"
                                      "拿不准的话，说“转人工”找人工坐席。")])
    if asks_something(text):  # 要体检吗: a question the guide answers once the situation is known
        return Turn(state, [say.Reply(f"这一点要看您的具体情况。请先回答这个问题（{options}），最后的办理指南会写明"
                                      "要带的全部材料和注意事项。")])
    return Turn(state, [say.Reply(f"抱歉，我没听明白。请从这几项里选一个：{options}；或说“取消”结束。")])


def _corrects_the_place(snap: Snapshot, question: Question, text: str, place: Place) -> bool:
    """Whether a reply corrects where the affair is done (不对，我是在嘉兴南湖区办) and answers nothing of the question
    asked: its 不对 is no 不是 to it (补证的人是否已满16周岁？ would read 未满). A question about a hukou keeps such a
    reply (不对，是杭州户口)."""
    return not HUKOU_QUESTION.search(question.ask) and bool(CORRECTION_APART.search(text)) and \
        _answer_after_correcting(snap, question, text) is None


def _answer_after_correcting(snap: Snapshot, question: Question, text: str) -> str | None:
    """What a reply says after its 不对, when that answers the question asked (不对，是杭州户口, to
    户口是在浙江省内吗？): the 不对 corrects what the person had in mind, not the affair, and is no 不是 to the
    question. None when the reply has no such words, or the rest answers nothing."""
    rest = WRONG_APART.sub("", text.strip())
    if rest == text.strip() or not rest:
        return None
    place = find_place(snap.catalog, rest)
    return rest if parse_answer(question, rest, _with_province(_readings(snap, rest), rest, place)) else None


def _turned_from(snap: Snapshot, state: State, text: str, hotline: str, asked: Question | None,
                 explains: bool = False) -> Turn | None:
    """A reply to a question of the form (`asked`, None for the district) that turns from the answer asked for:
    不是这个; an earlier answer taken back (不对，是退休了, among a withdrawal's reasons); or a correction of the affair
    (不是，我是说驾照) unless it `explains` an answer (不是，是第一次办). None for any other reply."""
    if is_rejection(text):
        return _rejected(state, hotline)
    revised = _revised(snap, state, text, asked)
    if revised is not None:
        return revised
    if CORRECTION.search(normalize(text)) and not explains:
        return _correct(snap, state, text)
    return None


def _to_other_affairs(snap: Snapshot, state: State, others: list[str], text: str) -> Turn | None:
    """Leave the form for the other affairs a reply speaks of (`_other_affairs`): switched to the one, or offered
    when several. None when there are none."""
    if len(others) == 1:
        return _switch(snap, state, others[0], text)
    return _offer_others(snap, state, others, text) if others else None


def _revised(snap: Snapshot, state: State, text: str, asked: Question | None) -> Turn | None:
    """不对，我记错了，还没满16 (to the question after the age, or to the district question `asked` as None): the
    earlier answers the reply changes are changed and told back, and the questions go on from the first one left
    open. After the guide a short remark that gives one answer otherwise (我自己办) needs no 不对. None when it
    changes none."""
    affair = snap.catalog.affair(state.affair)
    hukou = hukou_places_as_province(snap.catalog, text)  # 不对，是杭州户口: 浙江户口
    readings = [*_readings(snap, text), *([hukou] if hukou != text else [])]
    remark = state.affair_state == DONE and not asks_something(text) and len(normalize(text)) <= SHORT_REMARK
    changed = changed_answers(snap, affair, state.answers, text, readings, asked, remark) if affair else {}
    if not changed:
        return None
    answers = _prefilled(snap, affair, with_changes(snap, affair, state.answers, changed), without_revision(text))
    return Turn(replace(state, answers=answers), [say.Reply(f"好的，已改为：{told_back(snap, affair, changed)}。")])


# a remark after a guide this short may set one answer right without 不对 (我自己办)
SHORT_REMARK = 12
# a word this long says which part or preference a remark is about (没有公积金, 水电不用); 没有, 不用 do not
SPECIFIC_WORD = 3


def _specific(question: Question) -> Question:
    """The question with only the words of its options that are specific enough to be read from a remark."""
    return replace(question, options=tuple(
        replace(o, label=o.label if len(o.label) >= SPECIFIC_WORD else "",
                hints=tuple(h for h in o.hints if len(h) >= SPECIFIC_WORD)) for o in question.options))


def _bundle_choice_told(snap: Snapshot, state: State, text: str) -> Turn | None:
    """After a bundle's guide, a part or a preference told otherwise (先不办公积金那块, 水电不用过户了, 社保公积金先不
    开户了): recorded, said back, and the guide given again (without the part). None for a question or anything
    else."""
    affair = snap.catalog.affair(state.affair)
    if affair is None or not affair.is_bundle or state.affair_state != DONE or asks_something(text):
        return None
    deciding = {qid for conditions in affair.parts_when.values() for qid in conditions}
    questions = [(q.id, _specific(q)) for q in affair.situations if q.id in deciding or q.preference]
    told = prefill(questions, text, _readings(snap, text))
    changed = {key: value for key, value in told.items() if state.answers.get(key) != value}
    if not changed:
        return None
    return Turn(replace(state, answers={**state.answers, **changed}, affair_state=RESOLVED),
                [say.Reply(f"好的，已改为：{told_back(snap, affair, changed)}。")])


def _mistake_owned(snap: Snapshot, state: State, affair: Affair, text: str, asked: Question | None) -> Turn | None:
    """我记错了, with no answer to take its place nor to the question `asked`: the answers recorded are told, and
    the person asked what to change. None for any other reply."""
    rest = without_revision(text)
    if not state.answers or not owns_a_mistake(text) or asked is not None and parse_answer(asked, rest) is not None:
        return None
    last_key, last_value = list(state.answers.items())[-1]
    example = another_option(snap, affair, last_key, last_value)
    return Turn(state, [say.Reply(f"好的。目前记下的是：{told_back(snap, affair, state.answers)}。请直接说要改成什么"
                                  + (f"，比如“{example}”。" if example else "。"))])


def _follow_up(intent: str | None, text: str) -> str | None:
    """The detail a question asks about (fee, in person ...), by the classifier's intent or else by its words. A
    question whether another affair can be done as well (港澳通行证能一起办吗, read as asking about going in person)
    asks about a detail only if its words say so."""
    if intent in DETAIL_INTENTS and not AS_WELL.search(normalize(text)):
        return detail_for(intent, text)
    return detail_in_words(text)


def _other_affairs(snap: Snapshot, affair: Affair, asked: str, text: str) -> list[str]:
    """The other affairs a reply to the situation question `asked` speaks of, read once by the resolver: the one
    it decides, when it is no part of the current bundle and the reply names what it is about and the current
    one is not (驾照, while the ID card's questions are asked) or asks about it when the two have nothing in common
    (身份证丢了怎么补, while a housing-fund withdrawal's are); or the several it offers, when the reply asks, none
    has anything in common with the current one and the reply names one of them (买了房子能不能落户, among a
    company registration's questions). Words that echo the question asked do not count, nor, for a question about
    affairs with nothing in common, words of any of the current affair's questions (身份证 in
    去世人员的居民身份证还能找到吗). Empty when it speaks of none."""
    resolver, result = snap.resolver, snap.resolver.resolve(text)
    own = _own_questions(affair)
    if result.affair:
        other = result.affair
        if other == affair.id or other in affair.parts:
            return []
        speaks = resolver.names_subject_of(text, other, affair.id, asked) or \
            asks_something(text) and resolver.names_apart_from(text, other, affair.id, own)
        return [other] if speaks else []
    options = list(result.clarify)
    if len(options) < 2 or not asks_something(text):
        return []
    unrelated = all(c != affair.id and c not in affair.parts and not resolver.shared_subject([c, affair.id])
                    for c in options)
    return options if unrelated and any(resolver.names_apart_from(text, c, affair.id, own) for c in options) else []


def _offer_others(snap: Snapshot, state: State, others: list[str], text: str, detail: str | None = None) -> Turn:
    """Leave the situation questions for a choice among other affairs (and the follow-up asked, if any)."""
    new = _offered(snap, state, others, text, affair=None, answers={}, also_affair=None, clarify_each=False,
                   pending_detail=detail)
    return Turn(new, [say.clarify_reply(snap.catalog, others)])


def _own_questions(affair: Affair) -> str:
    """All the situation questions of an affair, as one text: words they use speak of the affair itself."""
    return " ".join(question.ask for question in affair.situations)


def suggestion_of(key: str, value: str) -> str:
    """What the slot `suggested_answer` holds when option `value` of the question stored under `key` is asked
    about."""
    return f"{key}:{value}"


def _suggestion(state: State, pending: PendingQuestion) -> str | None:
    """The option asked about in the last turn, when it is an option of the question still pending."""
    return next((o.value for o in pending.question.options
                 if state.suggested_answer == suggestion_of(pending.key, o.value)), None)


def _answered(snap: Snapshot, state: State, pending: list[PendingQuestion], text: str, value: str) -> Turn:
    """Record `value` for the pending question, and what the reply says for later ones, those the answer opens
    included (已满16周岁，外省户口 answers two). A later one is read only in its own words, or from a place said with
    户口 (杭州户口), as it is not told back. An option's label, as its button sends it, answers only its question
    (有一方离过婚或丧偶 says nothing of how the earlier marriage ended)."""
    affair = snap.catalog.affair(state.affair)
    answers = {**state.answers, pending[0].key: value}
    if affair is None:
        return Turn(replace(state, answers=answers))
    if option_named(pending[0].question, text) is None:
        answers = _prefilled(snap, affair, answers, text, asked=pending[0].question)
    return _with_notices(snap, state, replace(state, answers=answers))


def _with_notices(snap: Snapshot, before: State, after: State) -> Turn:
    """The turn that records answers, telling first what the person must know about the ones just given (an
    option's `notice`): 本人主动辞职的，不能领取失业保险金. Not when the guide comes next, which says it."""
    affair = snap.catalog.affair(after.affair)
    told = set(say.situation_notices(snap.catalog, affair, before.answers)) if affair else set()
    new = [n for n in say.situation_notices(snap.catalog, affair, after.answers) if n not in told] if affair else []
    if not new or not required_slots(snap, after):
        return Turn(after)
    return Turn(after, [say.Reply(f"请注意：{notice}") for notice in new])


def _answered_between(snap: Snapshot, state: State, affair: Affair, detail: str, hotline: str) -> Turn:
    """A follow-up answered between situation questions (without buttons: see `detail_reply`). A question about
    the hall, with no district known, waits (`pending_detail`) for the place the reply asks for."""
    district = snap.catalog.places.get(state.district or "")
    waiting = detail if detail in PLACE_DETAILS and district is None else None  # answered once the place is said
    return Turn(replace(state, pending_detail=waiting),
                [say.detail_reply(snap.catalog, affair, detail, state.answers, district, hotline, buttons=False)])


def _readings(snap: Snapshot, text: str) -> list[str]:
    """The answer in the lexicon's words, when that differs: 从江苏转回来 reads 从外省转回来, 头一回 reads 首次.
    (A place of the province is read as 浙江 only for the question asked: 户口是在浙江省内吗 may be answered with
    the city, but a city said on the side is more often where the person is than where the hukou is.)"""
    canonical = "".join(snap.resolver.analyzer.words(text))
    return [canonical] if canonical != normalize(text) else []


def _with_province(readings: list[str], text: str, place: Place | None) -> list[str]:
    """The readings of an answer to the question asked, with its places read as the province when it names one
    (户口是在浙江省内吗 may be answered 杭州的)."""
    return [*readings, places_as_province(text)] if place else readings


def question_answered(snap: Snapshot, state: State, text: str, by_words: bool = False) -> Question | None:
    """The situation question asked, when the message reads as one of its options, by the question's words or
    (unless `by_words`) its example replies, and asks nothing, names no stop and rejects nothing; else None. Read
    alone this is lenient (查一下办件进度 reads as 未满16周岁 by its 一): `bot.dialogue.misread` weighs it against the
    intent read."""
    question = _question_asked(snap, state)
    if question is None or asks_something(text) or is_rejection(text) or STOP_WORDS.search(text) or "取消" in text:
        return None
    readings = _with_province(_readings(snap, text), text, find_place(snap.catalog, text))
    if parse_answer(question, text, readings) is not None:
        return question
    return None if by_words or snap.answer_examples.choose(question, text) is None else question


def _answers_to_later_questions(later: list[PendingQuestion], text: str,
                                readings: list[str]) -> list[tuple[str, Option]]:
    """The options a message chooses for questions still to come."""
    given = prefill([(p.key, p.question) for p in later], text, readings)
    return [(p.key, o) for p in later if p.key in given for o in p.question.options if o.value == given[p.key]]


def _restated(snap: Snapshot, affair: Affair, state: State, text: str, readings: list[str]) -> dict[str, str]:
    """The answers recorded (or implied) for this affair that a message only repeats; empty when it repeats none,
    or gives any otherwise."""
    answers = snap.catalog.with_implied(affair, state.answers)
    asked = [(key, question) for key in answers if (question := question_of(snap, affair, key)) is not None]
    repeated = prefill(asked, text, readings)
    return repeated if all(answers[key] == value for key, value in repeated.items()) else {}


def _restated_reply(snap: Snapshot, affair: Affair, restated: dict[str, str]) -> say.Reply:
    """What a message that repeats answers hears: which ones are already known."""
    return say.Reply(f"好的，这一点已经记下了：{told_back(snap, affair, restated)}。")


def _says_a_hukou(snap: Snapshot, text: str) -> bool:
    """Whether the places a message names say where a hukou is (杭州户口), not where the person is."""
    return hukou_places_as_province(snap.catalog, text) != text


def _sibling_told(snap: Snapshot, state: State, text: str) -> str | None:
    """The one affair sharing an umbrella with the current one (身份证 holds its first card, renewal and
    replacement) whose own questions, those the current one does not ask, a correction answers; None otherwise."""
    current = snap.catalog.affair(state.affair)
    if current is None:
        return None
    own = {q.id for q in current.situations}
    siblings = sorted({a for umbrella in snap.catalog.umbrellas.values() if current.id in umbrella.affairs
                       for a in umbrella.affairs if a != current.id})
    told = [a for a in siblings if (affair := snap.catalog.affair(a)) is not None and
            set(_prefilled(snap, affair, {}, text)) - own]
    return told[0] if len(told) == 1 else None


def _switch(snap: Snapshot, state: State, affair_id: str, text: str) -> Turn:
    """Change to another affair in the middle of the situation questions, and say so. Asked on the side (对了，
    身份证丢了怎么补) or as well (港澳通行证能一起办吗), the affair under way is offered again once the new one's guide
    has been given."""
    said = normalize(text)
    aside = state.affair != affair_id and (BY_THE_WAY.match(said) is not None or AS_WELL.search(said) is not None)
    turn = _choose(snap, state, affair_id, text, also=state.affair if aside else None, aside=aside)
    if not turn.replies:
        turn.replies.append(say.Reply(f"好的，换成为您办理【{snap.catalog.affairs[affair_id].name}】。"))
    return turn


def _correct(snap: Snapshot, state: State, text: str) -> Turn | None:
    """不是，我是说驾照: switch to the affair meant, or offer the choices when that is unclear. A correction that
    answers a question only a sibling of the affair asks (不对，不是丢了，是洗坏了, during the ID card's replacement:
    its renewal, for damage) is that sibling's."""
    corrected = WRONG_APART.search(text.strip()) or NOT_THIS_BUT_THAT.search(text.strip())
    sibling = _sibling_told(snap, state, text) if corrected else None
    if sibling is not None:  # the answers the two share are kept (the age, the hukou)
        turn = _switch(snap, state, sibling, text)
        shared = {q.id: state.answers[q.id] for q in snap.catalog.affairs[sibling].situations
                  if q.id in state.answers and q.option(state.answers[q.id]) is not None}
        return replace(turn, state=replace(turn.state, answers={**shared, **turn.state.answers}))
    result = snap.resolver.resolve(CORRECTION_WORDS.sub("", normalize(text)) or text)
    if result.affair and result.affair != state.affair:
        return _switch(snap, state, result.affair, text)
    options = [i for i in result.clarify if i != state.affair]
    if len(options) >= 2:
        new = _offered(snap, state, options, text, affair=None, answers={}, also_affair=None, clarify_each=False)
        return Turn(new, [say.clarify_reply(snap.catalog, options)])
    return None


def take_district(snap: Snapshot, state: State, text: str, intent: str | None = None,
                  hotline: str = "12345") -> Turn:
    """Record the district from a free-text answer (in characters, or typed in pinyin); or, as for a situation
    question, take 不是这个, a correction, a question about another affair or a follow-up (要多少钱) asked instead;
    or explain what is needed."""
    place = find_place(snap.catalog, text) or find_place_in_pinyin(snap.catalog, text)
    affair = snap.catalog.affair(state.affair)
    if place is None:
        state = replace(state, district=None)  # in Rasa the slot holds the raw reply until it is validated
    if place is None and says_to_go_on(text):
        return Turn(state, [say.Reply(GO_ON)])  # the question for the place comes again
    if place is None and affair is not None:
        instead = _instead_of_the_place(snap, state, affair, text, intent, hotline) or \
            _mistake_owned(snap, state, affair, text, None)
        if instead is not None:
            return instead
    if place is None:
        outside = place_outside(snap.catalog, text)
        if outside is not None:  # 安徽的: where the person is from, or a place we have no halls for
            reply = say.Reply(f"{outside}不在浙江省内。请告诉我您要在浙江的哪个市、区县办理，"
                              "例如“杭州市余杭区”“宁波鄞州”。")
        elif affair is not None and (restated := _restated(snap, affair, state, text, _readings(snap, text))):
            reply = _restated_reply(snap, affair, restated)  # 离职半年了, when 离职 is known
        else:
            reply = say.Reply("抱歉，没有识别出地区。请说市和区县，例如“杭州市余杭区”“宁波鄞州”。")
        return Turn(state, [reply])
    return Turn(replace(state, district=place.code))


def _instead_of_the_place(snap: Snapshot, state: State, affair: Affair, text: str, intent: str | None,
                          hotline: str) -> Turn | None:
    """What a reply to the district question says instead of a place, or None: 不是这个, a correction, another
    affair asked about (对了，身份证丢了怎么补), or a follow-up about this one (要本人去吗), answered before the place
    is asked again. The hall itself comes with the guide once the place is known."""
    turned = _turned_from(snap, state, text, hotline, None) or _material_answered(snap, state, text, hotline)
    if turned is not None:
        return turned
    if not (REQUEST_WORDS.search(text) or asks_something(text) or detail_in_words(text)):
        return None  # 能领几个月 asks with 几, which is no question word (交了十几年 answers)
    elsewhere = _to_other_affairs(snap, state, _other_affairs(snap, affair, ask_district().text, text), text)
    if elsewhere is not None:
        return elsewhere
    detail = _follow_up(intent, text)
    if detail in PLACE_DETAILS:
        return Turn(state, [say.Reply("办理地点和时间要按您所在的市、区县来查，告诉我地方后一起给您。")])
    return _answered_between(snap, state, affair, detail, hotline) if detail is not None else None


def ask_district() -> say.Reply:
    """Ask where the person will go."""
    return say.Reply("请问您在哪个市、区县办理？例如“杭州市西湖区”“宁波鄞州”。")


def full_answer(snap: Snapshot, state: State, hotline: str) -> Turn:
    """The complete guide for the current affair and situation."""
    if state.affair_state == CLARIFY:
        return Turn(state)  # the choices were offered when the situation questions stopped
    affair = snap.catalog.affair(state.affair)
    if affair is None:
        return Turn(replace(state, affair_state=DONE))  # the turn that dropped the affair has said why
    place = snap.catalog.places.get(state.district or "")
    replies = [say.affair_answer(snap.catalog, affair, state.answers, place, hotline)]
    also = snap.catalog.affair(state.also_affair)
    if also is not None:  # never the affair itself: `_choose` keeps only another one
        replies.append(say.second_need_reply(also, set_aside=state.also_set_aside))
    return Turn(replace(state, affair_state=DONE, clarify_failures=0, also_affair=None), replies)


# follow-ups a sentence of the guide answers better than the hall or the in-person line: 去哪里体检 asks where the
# medical check is done (a hospital), not where the licence is renewed; 三力测试要本人去吗 asks of the test
QUOTED_BEFORE = (None, "office", "in_person")
# a follow-up answered from a sentence of the guide is this short, and the affair among the resolver's first few
# candidates for it
LONGEST_FOLLOW_UP = 20
NEAR_CANDIDATES = 3


def _follow_up_on_the_guide(snap: Snapshot, state: State, text: str, hotline: str,
                            result: Resolution) -> Turn | None:
    """A follow-up on the affair whose guide was given: the guide's sentence it asks about (登报还要吗), or the
    detail its words ask for (要多少钱); None when neither. `result`: the resolver's reading of the text."""
    detail = detail_in_words(text)
    quoted = _quoted_from_the_guide(snap, state, text, hotline, result) if detail in QUOTED_BEFORE else None
    if quoted is not None:
        return quoted
    return answer_detail(snap, state, text, detail, hotline) if detail is not None else None


def _beyond_the_guide(snap: Snapshot, state: State, text: str) -> bool:
    """Whether a message speaks of things the knowledge never says of the affair under way or answered (口腔, 洗牙
    in 口腔医院洗牙要多少钱, after an ID card's guide): it asks of something else, even with a follow-up's words."""
    affair = snap.catalog.affair(state.affair)
    if not text or affair is None:
        return False
    for words in (*DETAIL_PATTERNS.values(), FOLLOW_UP_PARTICLES, DIALECT_PARTICLES):  # 快递, 伐: no topic,
        text = words.sub(" ", text)  # however they are cut
    return bool(unknown_to_the_guide(snap.catalog, affair, normalize(text)))


def _of_the_guide_alone(snap: Snapshot, state: State, text: str) -> bool:
    """Whether a message after a guide speaks only of what the guide's knowledge holds and names no other affair
    (她腿脚不方便，俺能替她去办伐, after her ID card's guide: 腿脚不方便 is no 残疾证, though the resolver reads
    one)."""
    affair = snap.catalog.affair(state.affair)
    if affair is None or state.affair_state != DONE or _beyond_the_guide(snap, state, text):
        return False
    said, own = normalize(text), {affair.id, *affair.parts}
    return not any(len(word) >= 2 and normalize(word) in said for other in snap.catalog.affairs.values()
                   if other.id not in own for word in (other.name, other.short_name, *other.aliases, *other.keywords))


def _quoted_from_the_guide(snap: Snapshot, state: State, text: str, hotline: str,
                           result: Resolution | None) -> Turn | None:
    """The sentence of the guide just given that a short follow-up asks about, quoted; None when none is, or when
    the message is long or its words lead elsewhere (the affair is not among the resolver's first candidates):
    优惠券过期了还能用吗 shares 过期 with a driving licence's guide and is no question about it. None too without the
    resolver's reading (`result`): a follow-up taken as the guide's alone (能代办吗) gets the detail it asks."""
    affair = snap.catalog.affair(state.affair)
    if affair is None or result is None or state.affair_state != DONE or len(normalize(text)) > LONGEST_FOLLOW_UP:
        return None
    sentence = guide_passage(snap.catalog, affair, text)
    near = {c.id for c in result.candidates[:NEAR_CANDIDATES]}
    if sentence is None or not near & {affair.id, *affair.parts} or _beyond_the_guide(snap, state, text):
        return None
    return Turn(state, [say.Reply(f"【{affair.short_name}】办事指南里有这样一句：{sentence}。"
                                  f"如果没答到您问的，请换个说法，或拨打 {hotline} 咨询。")])


# follow-ups on one part of a bundle that the part answers (丧葬费能领多少); trips, the hall, the online way and
# going in person are the bundle's own, done together (最多跑一次 for it all, not the part's 零次跑)
ANSWERED_BY_THE_PART = ("fee", "time_limit", "benefit", "paid_to", "premium", "frequency", "pay_when", "tax")


def _part_of_the_bundle(snap: Snapshot, state: State, result: Resolution | None) -> Affair | None:
    """The part of the bundle whose guide was given that a follow-up names (丧葬费 after 身后一件事), or that is
    the one part among the affairs it may mean (社保卡多久能拿到: a newborn's first card, not a replacement)."""
    bundle = snap.catalog.affair(state.affair)
    if result is None or bundle is None or not bundle.is_bundle or state.affair_state != DONE:
        return None
    parts = [a for a in (result.affair,) if a in bundle.parts] or [a for a in result.clarify if a in bundle.parts]
    return snap.catalog.affair(parts[0]) if len(parts) == 1 else None


def _answer_for_the_part(snap: Snapshot, state: State, part: Affair, detail: str, hotline: str) -> Turn:
    """A follow-up on one part of the bundle just answered, in the situation told for it; the bundle stays the
    affair under way (its questions are not asked again for the part, and what the bundle does together, such as
    its trips, stays the bundle's)."""
    bundle = snap.catalog.affairs[state.affair]
    if detail not in ANSWERED_BY_THE_PART:
        part = bundle
    answers = part_answers(snap.catalog.with_implied(bundle, state.answers), part.id) if part is not bundle \
        else state.answers
    district = snap.catalog.places.get(state.district or "")
    if detail in PLACE_DETAILS and district is None:
        return Turn(replace(state, pending_detail=detail), [ask_district()])
    reply = say.detail_reply(snap.catalog, part, detail, answers, district, hotline)
    if part is not bundle:  # 【出生一件事】里的【居民医保参保】…
        reply = replace(reply, text=f"【{bundle.short_name}】里的{reply.text}")
    return Turn(replace(state, pending_detail=None), [reply])


def answer_detail(snap: Snapshot, state: State, text: str, detail: str, hotline: str) -> Turn:
    """A follow-up (fee, time, online, office, hours, in person, visits, post) about the current or named affair, or
    about the offered affair it picks."""
    place = find_place(snap.catalog, text) if text else None
    if place is not None:
        state = replace(state, district=place.code)
    choosing = bool(text and state.affair_state == CLARIFY and state.clarify_options)
    if choosing and _asks_of_no_choice(snap, state, text, snap.resolver.resolve(text).affair):
        return _which_first(snap, state, detail)  # 多少钱一年: which of the choices is not said
    picked = pick(text, list(state.clarify_options), snap.resolver) if choosing else None
    bare = bool(text and state.affair and state.affair_state == DONE and asks_only_the_detail(text))
    named = None if picked in state.clarify_options or bare else snap.resolver.resolve(text) if text else None
    chosen = named.affair if named else picked  # an offered affair the question picks (补的那个多久能拿)
    if chosen and not bare and _of_the_guide_alone(snap, state, text):
        chosen = None  # 她腿脚不方便，俺能替她去办伐, after her ID card's guide: about it, whatever the resolver reads
    part = _part_of_the_bundle(snap, state, named)
    if part is not None:
        return _answer_for_the_part(snap, state, part, detail, hotline)
    if state.affair_state == DONE and not bare and not chosen and not (named and named.clarify) and \
            _beyond_the_guide(snap, state, text):  # 口腔医院洗牙要多少钱, after an ID card's guide: not its fee
        return Turn(replace(state, pending_detail=None), [say.Reply(not_mine_text(hotline))])
    switched = bool(chosen and chosen != state.affair)
    if switched:
        state = _choose(snap, state, chosen, text).state
    affair = snap.catalog.affair(state.affair)
    if affair is None:
        if named and named.clarify:
            return Turn(_offered(snap, state, named.clarify, text, pending_detail=detail, clarify_each=named.each),
                        [say.clarify_reply(snap.catalog, list(named.clarify), named.topic, each=named.each)])
        if state.affair_state == CLARIFY and state.clarify_options:  # 多久能拿 while choosing: the choices stay
            return Turn(replace(state, pending_detail=detail),
                        [_the_same_choice(snap, state)])
        if state.clarify_failures:  # asked which affair before, and still none: most likely not one of ours
            return Turn(replace(state, affair_state=DONE, pending_detail=None,
                                clarify_failures=state.clarify_failures + 1), [say.Reply(not_mine_text(hotline))])
        return Turn(replace(state, affair_state=DONE, pending_detail=detail, clarify_failures=1),
                    [say.Reply("请问您问的是哪个事项？比如“补办身份证要多少钱”。")])
    if not switched and text and detail in QUOTED_BEFORE and \
            (quoted := _quoted_from_the_guide(snap, state, text, hotline, named)) is not None:
        return quoted  # 伊要去哪里体检: where the check is done, as the guide says, not the licence's hall
    district = snap.catalog.places.get(state.district or "")
    if detail in PLACE_DETAILS and district is None:
        replies = [ask_district()]
        if switched:  # say which affair the question was understood to be about
            replies.insert(0, say.Reply(f"好的，您问的是【{affair.name}】。", [(NOT_THIS, NOT_THIS_PAYLOAD)]))
        return Turn(replace(state, affair_state=DONE, pending_detail=detail), replies)
    reply = say.detail_reply(snap.catalog, affair, detail, state.answers, district, hotline)
    return Turn(replace(state, affair_state=DONE, pending_detail=None), [reply])
