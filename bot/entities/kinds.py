"""The entity kinds the assistant reads from a message, and the `Entity` record every extractor returns.

One list, used by the extractor (`bot.entities.extractor`), the Rasa component, the labelled-set report and
the dialogue code. Values are canonical, never the words typed:

=============  ==========================================  =========================================
kind           typed                                       value
=============  ==========================================  =========================================
district       我在余杭, 杭州市西湖区, 宁波鄞州               the place code from knowledge/places.yml
                                                           (str, "330110"; a city and its county
                                                           written together give the county)
case_number    zj2026 3301-0600 0101, ＺＪ２０２６…           "ZJ2026330106000101" (str)
phone_last4    手机尾号1234, 后四位是 0571                   "1234" (str)
query_code     查询码 k7m3q9tx                              "K7M3Q9TX" (str)
age            孩子十岁, 16周岁, 八岁半                      whole years (int: 10, 16, 8)
               我妈70了, 孩子都十二啦                         (int: 70, 12; a number and 了 only
                                                           right after someone: not 快70了)
date           2026年3月5日, 3月5号, 2026-03-05, 下个月        ISO text: "2026-03-05", "2026-03", "2026",
                                                           "--03-05" (no year), "--03" (a month);
                                                           relative: "day+1", "week-1", "month+1" …
ordinal        第二个, 第3项                                 the position (int: 2, 3)
=============  ==========================================  =========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DISTRICT: Final = "district"
CASE_NUMBER: Final = "case_number"
PHONE_LAST4: Final = "phone_last4"
QUERY_CODE: Final = "query_code"
AGE: Final = "age"
DATE: Final = "date"
ORDINAL: Final = "ordinal"

KINDS: Final[tuple[str, ...]] = (DISTRICT, CASE_NUMBER, PHONE_LAST4, QUERY_CODE, AGE, DATE, ORDINAL)
"""Every kind, in the order reports list them."""

RASA_KINDS: Final[tuple[str, ...]] = (DISTRICT, CASE_NUMBER, PHONE_LAST4, QUERY_CODE)
"""The kinds declared as entities in domain.yml and set by the Rasa component."""

PRIVATE_KINDS: Final[frozenset[str]] = frozenset({CASE_NUMBER, PHONE_LAST4, QUERY_CODE})
"""Kinds whose values identify a person's case: never shown in a repr or a log line."""


@dataclass(frozen=True)
class Entity:
    """One entity found in a message: its kind, canonical value, and where it was typed.

    `start` and `end` are character offsets into the original text (not the normalised one), so
    `text == message[start:end]`.
    """

    kind: str
    value: str | int
    start: int
    end: int
    text: str

    def __repr__(self) -> str:
        if self.kind in PRIVATE_KINDS:
            return f"Entity({self.kind!r}, ***, {self.start}, {self.end})"
        return f"Entity({self.kind!r}, {self.value!r}, {self.start}, {self.end}, {self.text!r})"
