"""The fixed-format entity patterns (case numbers, phone tails, query codes, ages, dates, ordinals) for the
EntityRuler, and the checks and canonical values of what they match.

The patterns work on single-character tokens of folded text (`bot.entities.formats.fold`). A pattern
only proposes a span; `value_of` and `fits` decide whether it counts, before overlapping spans are
resolved (the longest wins), so a rejected long span never hides a good short one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from bot.entities.formats import (
    CASE_NUMBER_PATTERN,
    PHONE_LAST4_PATTERN,
    QUERY_CODE_PATTERN,
    char_token_patterns,
    compact,
)
from bot.entities.kinds import AGE, CASE_NUMBER, DATE, DISTRICT, ORDINAL, PHONE_LAST4, QUERY_CODE
from bot.entities.numerals import CN_DIGITS, NUMERAL_CHARS, date_value, parse_number

CASE_NUMBER_RE: Final = re.compile(CASE_NUMBER_PATTERN)
PHONE_LAST4_RE: Final = re.compile(PHONE_LAST4_PATTERN)
QUERY_CODE_RE: Final = re.compile(QUERY_CODE_PATTERN)

RELATIVE_DATES: Final[dict[str, str]] = {
    "今天": "day+0", "今日": "day+0", "明天": "day+1", "明日": "day+1", "后天": "day+2", "大后天": "day+3",
    "昨天": "day-1", "昨日": "day-1", "前天": "day-2", "大前天": "day-3",
    "本周": "week+0", "这周": "week+0", "这个星期": "week+0", "这星期": "week+0", "本星期": "week+0",
    "下周": "week+1", "下个星期": "week+1", "下星期": "week+1", "下礼拜": "week+1", "下个礼拜": "week+1",
    "上周": "week-1", "上个星期": "week-1", "上星期": "week-1", "上礼拜": "week-1", "上个礼拜": "week-1",
    "本月": "month+0", "这个月": "month+0", "这月": "month+0",
    "下个月": "month+1", "下月": "month+1", "上个月": "month-1", "上月": "month-1",
    "今年": "year+0", "明年": "year+1", "后年": "year+2", "去年": "year-1", "前年": "year-2",
}
"""Relative dates and their values: the unit and the offset from the current one."""

ORDINAL_MEASURES: Final = ("个", "项", "种", "条", "件", "类", "款", "样", "套", "位", "行", "页", "张", "家")
NOT_ORDINAL_NEXT: Final = frozenset("次天年月周日号批胎届期代名节章方轮季步级层楼")
"""After 第N, these make a count or a date (第一次, 第二天, 第三方), not a pick from a list."""

CHILDREN: Final = ("孩子", "小孩", "儿子", "女儿", "宝宝", "闺女", "娃")
"""Words for the speaker's child, of any age."""
GROWN_UPS: Final = ("爸", "妈", "父亲", "母亲", "爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷", "老人", "老人家",
                    "老爷子", "老太太", "公公", "婆婆", "岳父", "岳母", "老公", "老婆", "丈夫", "妻子", "老伴",
                    "老头子", "爱人")
"""Words for someone grown up, whoever speaks of them: a parent or grandparent, a spouse, an old person."""
RELATIVES: Final = (*CHILDREN, *GROWN_UPS, "哥", "姐", "弟", "妹", "亲戚", "朋友", "同事")
"""Words for someone other than the speaker: an age said beside one is theirs."""
AGE_HOLDERS: Final = (*RELATIVES, "我", "他", "她", "本人", "伊", "俺", "侬")
"""Whoever an age without 岁 may follow (我妈70了, 我都35了, 伊今年72了: 伊, 俺, 侬 are he or she, I and you in
dialect)."""

PHONE_CUES: Final = ("尾号", "尾数", "后四位", "后4位", "末四位", "末4位", "后四个", "后4个", "手机", "电话", "号码")
QUERY_CODE_CUES: Final = ("查询码", "验证码", "回执", "查询号")
NOT_PHONE_NEXT: Final = frozenset("年月日号元块岁米次个人万千百分秒天周克斤度位点里条件张页%°")
NOT_PHONE_BEFORE: Final = frozenset("第¥￥$#")
FILLERS: Final = ("就是", "我的", "号码", "是", "吧", "啊", "呢", "哦", "了", "嗯", "好", "为")
"""Words that may stand beside a bare verification factor (是2481, 就是2481吧)."""

_NUM = {"TEXT": {"IN": list(NUMERAL_CHARS)}, "OP": "+"}
_DIGIT = {"TEXT": {"REGEX": "^[0-9]$"}}
_DIGITS = {"TEXT": {"REGEX": "^[0-9]$"}, "OP": "+"}
_YEAR = [{"TEXT": {"IN": list("0123456789") + [c for c in CN_DIGITS if c != "两"]}}] * 4
_DAY_END = {"TEXT": {"IN": ["日", "号"]}}
_MONTH_SUFFIX = {"TEXT": "份", "OP": "?"}
_DATE_SEP = {"TEXT": {"IN": ["-", "/", "."]}}

_N = "[0-9零〇一二两三四五六七八九十百]+"
_AGE_BARE_END = "[了啦]"
# A number with no 岁 is an age only right after someone (我妈70了, 我爸今年七十多了, 孩子都十二啦), with at most
# the words that say "by now" between: 快70了 (nearly) or 等了3了 is none.
_AGE_WITHOUT_SUI = re.compile(f"(?:{'|'.join(AGE_HOLDERS)})(?:今年|现在|如今|目前)?(?:已经|已|都|也)?$")
_YEAR_DIGITS = "[0-9〇零一二三四五六七八九]{4}"
_WRITTEN_DATE = re.compile(rf"^(?:(?P<y>{_YEAR_DIGITS})年)?(?:(?P<m>{_N})月份?)?(?:(?P<d>{_N})[日号])?$")
_NUMERIC_DATE = re.compile(r"^(?P<y>[0-9]{4})([-/.])(?P<m>[0-9]{1,2})\2(?P<d>[0-9]{1,2})$")
_AGE = re.compile(rf"^(?P<n>{_N})多?(?:周?岁[半多]?|{_AGE_BARE_END})$")
_ORDINAL = re.compile(rf"^第(?P<n>{_N})(?:{'|'.join(ORDINAL_MEASURES)})?$")


def fixed_patterns() -> list[dict[str, Any]]:
    """Every fixed-format pattern in the EntityRuler's format (label, pattern and, for phrases, id)."""
    patterns: list[dict[str, Any]] = [
        {"label": CASE_NUMBER, "pattern": char_token_patterns(CASE_NUMBER_PATTERN, separators=True)},
        {"label": PHONE_LAST4, "pattern": char_token_patterns(PHONE_LAST4_PATTERN, separators=True)},
        {"label": QUERY_CODE, "pattern": char_token_patterns(QUERY_CODE_PATTERN, separators=True)},
        {"label": AGE, "pattern": [_NUM, {"TEXT": "多", "OP": "?"}, {"TEXT": "周", "OP": "?"}, {"TEXT": "岁"},
                                   {"TEXT": {"IN": ["半", "多"]}, "OP": "?"}]},
        {"label": AGE, "pattern": [_NUM, {"TEXT": "多", "OP": "?"}, {"TEXT": {"REGEX": f"^{_AGE_BARE_END}$"}}]},
        {"label": ORDINAL, "pattern": [{"TEXT": "第"}, _NUM, {"TEXT": {"IN": list(ORDINAL_MEASURES)}, "OP": "?"}]},
    ]
    dates = [
        [*_YEAR, {"TEXT": "年"}, _NUM, {"TEXT": "月"}, _NUM, _DAY_END],
        [*_YEAR, {"TEXT": "年"}, _NUM, {"TEXT": "月"}, _MONTH_SUFFIX],
        [*_YEAR, {"TEXT": "年"}],
        [_NUM, {"TEXT": "月"}, _NUM, _DAY_END],
        [_NUM, {"TEXT": "月"}, _MONTH_SUFFIX],
        [_DIGIT, _DIGIT, _DIGIT, _DIGIT, _DATE_SEP, _DIGITS, _DATE_SEP, _DIGITS],
    ]
    patterns += [{"label": DATE, "pattern": p} for p in dates]
    patterns += [{"label": DATE, "pattern": words, "id": value} for words, value in RELATIVE_DATES.items()]
    return patterns


def value_of(kind: str, typed: str, pattern_id: str) -> str | int | None:
    """The canonical value of a matched span (its folded text), or None when it is not a valid one."""
    text = compact(typed) if kind in (CASE_NUMBER, PHONE_LAST4, QUERY_CODE) else "".join(typed.split())
    if kind == DISTRICT or (kind == DATE and pattern_id):
        return pattern_id
    if kind == CASE_NUMBER:
        return text if CASE_NUMBER_RE.fullmatch(text) else None
    if kind == PHONE_LAST4:
        return text if PHONE_LAST4_RE.fullmatch(text) else None
    if kind == QUERY_CODE:
        return text if QUERY_CODE_RE.fullmatch(text) else None
    if kind == AGE:
        match = _AGE.fullmatch(text)
        age = parse_number(match.group("n")) if match else None
        return age if age is not None and age <= 150 else None
    if kind == ORDINAL:
        match = _ORDINAL.fullmatch(text)
        position = parse_number(match.group("n")) if match else None
        return position if position is not None and 1 <= position <= 99 else None
    if kind == DATE:
        match = _WRITTEN_DATE.fullmatch(text) or _NUMERIC_DATE.fullmatch(text)
        return date_value(match.group("y"), match.group("m"), match.group("d")) if match else None
    return None


def _alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _isolated(folded: str, start: int, end: int) -> bool:
    """No letter or digit right beside the span, nor behind a separator (0571-8888, 12.5678)."""
    before, after = folded[start - 1:start], folded[end:end + 1]
    if _alnum(before) or _alnum(after):
        return False
    if before in "-/.:" and before and _alnum(folded[start - 2:start - 1]):
        return False
    return not (after in "-/.:" and after and _alnum(folded[end + 1:end + 2]))


def _bare(folded: str, start: int, end: int) -> bool:
    """The span is all the message says, give or take punctuation and a filler word (是2481)."""
    rest = "".join(c for c in folded[:start] + folded[end:]
                   if not unicodedata.category(c).startswith(("P", "Z", "S", "C")))
    for word in FILLERS:
        rest = rest.replace(word, "")
    return not rest


def fits(kind: str, folded: str, start: int, end: int, value: str | int, vouched: bool) -> bool:
    """Whether a valid-looking span counts where it stands in the (folded) message.

    A lone 4-digit group, or a would-be query code of letters only or digits only (a word, a phone
    number), is a verification factor only with a cue word (尾号, 查询码), when it is all the message
    says, or when it is `vouched` for: the message also holds a case number, or the assistant has just
    asked for the factor.
    """
    if kind == CASE_NUMBER:
        return not _alnum(folded[start - 1:start]) and not folded[end:end + 1].isdigit()
    if kind == PHONE_LAST4:
        return (_isolated(folded, start, end) and folded[end:end + 1] not in NOT_PHONE_NEXT
                and folded[start - 1:start] not in NOT_PHONE_BEFORE
                and (vouched or _bare(folded, start, end) or any(cue in folded for cue in PHONE_CUES)))
    if kind == QUERY_CODE:
        if not _isolated(folded, start, end):
            return False
        mixed = any(c.isdigit() for c in str(value)) and any(c.isalpha() for c in str(value))
        return mixed or vouched or _bare(folded, start, end) or any(cue in folded for cue in QUERY_CODE_CUES)
    if kind in (AGE, DATE, ORDINAL):
        # a number is read whole: 1十六岁 is no age, 第一次 no pick
        if folded[start:start + 1] in NUMERAL_CHARS and folded[start - 1:start] in NUMERAL_CHARS:
            return False
        if folded[end - 1:end] in NUMERAL_CHARS and folded[end:end + 1] in NUMERAL_CHARS:
            return False
        if (kind == DATE and folded[end - 1:end] == "月" and folded[end - 2:end - 1] in NUMERAL_CHARS
                and folded[end:end + 1] in NUMERAL_CHARS):
            return False  # the month of a date whose day is wrong (2月30日) is no date either
        if kind == ORDINAL and folded[end - 1:end] in NUMERAL_CHARS:
            return folded[end:end + 1] not in NOT_ORDINAL_NEXT
        if kind == AGE and re.fullmatch(_AGE_BARE_END, folded[end - 1:end]):
            return bool(_AGE_WITHOUT_SUI.search(folded[:start]))
    return True
