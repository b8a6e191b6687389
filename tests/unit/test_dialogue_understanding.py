"""bot.dialogue.places, choices and situations: reading districts, picks and situation answers from free text."""

from __future__ import annotations

import pytest

from bot.catalog.domain import Option, Question
from bot.dialogue.choices import NONE_OF_THESE, pick
from bot.dialogue.places import find_place, find_place_in_pinyin, place_label
from bot.dialogue.situations import OLDEST, AgeSaid, age_in, age_of_the_person, parse_answer, prefill

ID_CARDS = ["id-card-renew", "id-card-reissue", "id-card-first"]


def _question(catalog, affair_id, question_id) -> Question:
    return next(q for q in catalog.affairs[affair_id].situations if q.id == question_id)


@pytest.mark.parametrize("text, code", [
    ("我在余杭", "330110"),
    ("杭州市西湖区", "330106"),
    ("宁波鄞州", "330212"),
    ("温州", "330300"),
    ("我在杭州西湖区上班", "330106"),
    ("景宁", "331127"),
    ("江东区", "330212"),  # a former name kept as an alias
])
def test_find_place(catalog, text, code):
    assert find_place(catalog, text).code == code


def test_find_place_city_and_nothing(catalog):
    assert find_place(catalog, "温州").is_city
    assert find_place(catalog, "我想补办身份证") is None
    assert find_place(catalog, "") is None


@pytest.mark.parametrize("text, code", [
    ("ningbo yinzhou", "330212"),
    ("ning bo yin zhou", "330212"),  # syllables apart
    ("wo zai shaoxing keqiao", "330603"),
    ("yuhang qu", "330110"),
    ("hangzhou shi xihu qu", "330106"),
    ("wenzhou", "330300"),
])
def test_find_place_typed_in_pinyin(catalog, text, code):
    assert find_place(catalog, text) is None  # the characters' reading finds nothing ...
    assert find_place_in_pinyin(catalog, text).code == code  # ... the pinyin one does


@pytest.mark.parametrize("text", ["wo xihuan", "anjie daikuan", "hello", ""])
def test_pinyin_that_only_begins_like_a_place_names_none(catalog, text):
    assert find_place_in_pinyin(catalog, text) is None  # xihu in xihuan, anji in anjie: whole words only


def test_place_label(catalog):
    assert place_label(catalog, catalog.places["330110"]) == "杭州市余杭区"
    assert place_label(catalog, catalog.places["330300"]) == "温州市"


@pytest.mark.parametrize("text, chosen", [
    ("第二个", "id-card-reissue"),
    ("2", "id-card-reissue"),
    ("选三", "id-card-first"),
    ("最后一个", "id-card-first"),
    ("都不是", NONE_OF_THESE),
    ("以上都不是", NONE_OF_THESE),
    ("身份证补领", "id-card-reissue"),  # a name
    ("丢了补办的那个", "id-card-reissue"),  # a description
    ("到期换的那个", "id-card-renew"),
    ("首次申领的", "id-card-first"),
])
def test_pick(resolver, text, chosen):
    assert pick(text, ID_CARDS, resolver) == chosen


def test_pick_by_affair_id(resolver):
    assert pick("id-card-renew", ID_CARDS, resolver) == "id-card-renew"


@pytest.mark.parametrize("text, chosen", [
    ("好的，第二个", "id-card-reissue"),
    ("好吧，第一个", "id-card-renew"),  # read by the ranking, this was the third
    ("嗯那就选3", "id-card-first"),
    ("可以，第2个", "id-card-reissue"),
    ("行，最后那个", "id-card-first"),
    ("第一个就行", "id-card-renew"),
    ("嗯，中间那个", "id-card-reissue"),  # of three
    ("di er ge ba", "id-card-reissue"),  # typed in pinyin
    ("wo yao di yi ge", "id-card-renew"),
])
def test_pick_by_place_after_a_word_of_assent_or_in_pinyin(resolver, text, chosen):
    assert pick(text, ID_CARDS, resolver) == chosen


@pytest.mark.parametrize("text", ["随便", "", "第七个", "di liu ge"])
def test_pick_nothing(resolver, text):
    assert pick(text, ID_CARDS, resolver) is None


def test_a_place_the_list_does_not_have_picks_nothing(resolver):
    four = [*ID_CARDS, "id-card-temporary"]
    assert pick("中间那个", four, resolver) is None  # four have no middle one
    assert pick("好的，第五个", four, resolver) is None


@pytest.mark.parametrize("text", ["第一次申领", "第一次办的那个"])
def test_pick_first_time_description_is_not_an_ordinal(resolver, text):
    assert pick(text, ID_CARDS, resolver) == "id-card-first"


DRIVING_LICENCE = ["driving-license-renew", "driving-license-reissue"]
MARRIAGE = ["marriage-certificate-reissue", "marriage-registration"]


@pytest.mark.parametrize("text, options, other", [
    ("身份证丢了", DRIVING_LICENCE, "id-card-reissue"),
    ("新车上牌", DRIVING_LICENCE, "vehicle-registration"),
    ("驾照丢了", ID_CARDS, "driving-license-reissue"),
    ("护照怎么办", ID_CARDS, "passport"),
])
def test_a_new_question_while_choices_are_open_is_not_taken_as_a_pick(resolver, text, options, other):
    assert resolver.resolve(text).affair == other  # the message alone is that other affair ...
    assert pick(text, options, resolver) is None  # ... so it picks none of the offered ones


def test_a_topic_of_its_own_while_choices_are_open_is_not_taken_as_a_pick(resolver):
    withdrawals = ["housing-fund-withdrawal-purchase", "housing-fund-withdrawal-leave", "housing-fund-withdrawal-rent"]
    alone = resolver.resolve("身份证怎么办")
    assert alone.topic and "id-card-reissue" in alone.clarify  # alone it is the ID card's topic ...
    assert pick("身份证怎么办", withdrawals, resolver) is None  # ... so it picks no withdrawal
    assert pick("重新办", DRIVING_LICENCE, resolver) == "driving-license-reissue"  # 补领 is the licence's too


@pytest.mark.parametrize("text, options, chosen", [
    ("过期了", DRIVING_LICENCE, "driving-license-renew"),  # alone, 过期了 is the ID card's renewal
    ("被水泡了", MARRIAGE, "marriage-certificate-reissue"),  # alone, it is nothing of ours
    ("撕破了", MARRIAGE, "marriage-certificate-reissue"),  # alone, the property certificate comes first
    ("找不到了", DRIVING_LICENCE, "driving-license-reissue"),
    ("快到期了", ID_CARDS, "id-card-renew"),  # alone, the driving licence's renewal comes first
])
def test_a_short_answer_that_needs_the_choices_is_still_a_pick(resolver, text, options, chosen):
    alone = resolver.resolve(text)
    assert (alone.affair or next(iter(alone.clarify), None)) not in options  # read alone it is none of them
    assert pick(text, options, resolver) == chosen


def test_affairs_share_the_words_of_their_subject(resolver):
    assert resolver.shared_subject(DRIVING_LICENCE) == "驾驶证"
    assert resolver.shared_subject(["id-card-reissue", "vehicle-registration"]) == ""
    assert resolver.shared_subject(["id-card-reissue", "no-such-affair"]) == ""


def test_parse_answer_by_label_index_and_hint(catalog):
    age = _question(catalog, "id-card-reissue", "applicant_age")
    assert parse_answer(age, "已满16周岁") == "adult"
    assert parse_answer(age, "未满16周岁") == "minor"
    assert parse_answer(age, "minor") == "minor"
    assert parse_answer(age, "1") == "adult"
    assert parse_answer(age, "第2个") == "minor"
    assert parse_answer(age, "是我自己补") == "adult"
    assert parse_answer(age, "给女儿办") == "minor"


@pytest.mark.parametrize("text, value", [("孩子八岁", "minor"), ("我20岁", "adult"), ("十六岁", "adult"),
                                         ("15周岁", "minor"), ("他十五岁了", "minor")])
def test_parse_answer_by_age(catalog, text, value):
    assert parse_answer(_question(catalog, "id-card-reissue", "applicant_age"), text) == value


def test_parse_answer_yes_no_on_two_options(catalog):
    hukou = _question(catalog, "id-card-reissue", "hukou_place")
    assert parse_answer(hukou, "是的") == "local"
    assert parse_answer(hukou, "不是") == "other_province"
    assert parse_answer(hukou, "外省") == "other_province"
    assert parse_answer(hukou, "是浙江的") == "local"
    plain = Question("q", "是否已婚？", (Option("yes", "已婚"), Option("no", "未婚")))
    assert parse_answer(plain, "是的") == "yes"
    assert parse_answer(plain, "没有") == "no"
    assert parse_answer(plain, "对") == "yes"


@pytest.mark.parametrize("text", ["啥", "abc", "", "？？"])
def test_parse_answer_nonsense(catalog, text):
    assert parse_answer(_question(catalog, "id-card-reissue", "applicant_age"), text) is None


@pytest.mark.parametrize("affair_id, question_id, value", [
    ("id-card-reissue", "hukou_place", "other_province"),
    ("birth-service-registration", "residence", "resident"),
    ("one-thing-birth", "hukou_in_zhejiang", "other_province"),
])
def test_parse_answer_negated_local_hukou(catalog, affair_id, question_id, value):
    assert parse_answer(_question(catalog, affair_id, question_id), "不是本地户口") == value


@pytest.mark.parametrize("text, negated", [("暂时不用开发票", True), ("不需要开发票", True), ("无需开发票", True),
                                           ("要不要开发票", False), ("我要开发票", False)])
def test_a_word_said_not_to_be_needed_is_negated(text, negated):
    from bot.dialogue.situations import _negated

    assert _negated(text, "开发票") is negated


def test_prefill_from_the_first_message(catalog):
    affair = catalog.affairs["hukou-move-in"]
    keyed = [(p.key, p.question) for p in catalog.pending_questions(affair, {})]
    assert prefill(keyed, "我老婆是外省的，想把户口迁到杭州") == {"move_reason": "spouse"}
    reissue = catalog.affairs["id-card-reissue"]
    keyed = [(p.key, p.question) for p in catalog.pending_questions(reissue, {})]
    assert prefill(keyed, "我孩子身份证丢了，户口在外省") == {"applicant_age": "minor", "hukou_place": "other_province"}
    assert prefill(keyed, "身份证丢了怎么补办") == {}


def _hinted(qid: str, **hints: tuple[str, ...]) -> Question:
    return Question(id=qid, ask=f"{qid}？", options=tuple(Option(v, v, h) for v, h in hints.items()))


def test_a_word_inside_a_longer_one_of_the_question_answered_is_that_one_s():
    """贷款 in 贷款还清了, the answer to the seller's mortgage, belongs to 贷款还清, not to how the buyer pays."""
    mortgage = _hinted("mortgage", paid_off=("贷款还清", "还清了"), owing=("没还清",))
    payment = _hinted("payment", loan=("贷款", "按揭"), cash=("全款",))
    assert prefill([("payment", payment)], "贷款还清了", claimants=[mortgage]) == {}
    assert prefill([("payment", payment)], "贷款还清了，这次我也贷款", claimants=[mortgage]) == {"payment": "loan"}
    # without a question answered (a first message), each word counts for every question
    both = [("mortgage", mortgage), ("payment", payment)]
    assert prefill(both, "贷款还清了") == {"mortgage": "paid_off", "payment": "loan"}


def test_an_age_in_the_first_message_answers_the_age_question(catalog):
    reissue = catalog.affairs["id-card-reissue"]
    keyed = [(p.key, p.question) for p in catalog.pending_questions(reissue, {})]
    assert prefill(keyed, "我爸身份证丢了，他75岁了，我能替他去补吗")["applicant_age"] == "adult"
    assert prefill(keyed, "我女儿十岁，身份证丢了")["applicant_age"] == "minor"
    assert prefill(keyed, "我孩子今年18岁了，身份证丢了")["applicant_age"] == "adult"  # the age, not the word 孩子
    assert prefill(keyed, "我今年30岁，孩子的身份证丢了")["applicant_age"] == "minor"  # 30 is the speaker's
    assert "applicant_age" not in prefill(keyed, "我爸60岁，我妈58岁，身份证都丢了")  # two ages: whose?
    assert prefill(keyed, "我妈70了，身份证丢了咋补")["applicant_age"] == "adult"  # an age without 岁
    assert prefill(keyed, "我儿子都二十了，身份证丢了")["applicant_age"] == "adult"  # not the word 儿子
    assert "applicant_age" not in prefill(keyed, "我等了3天了，身份证丢了")


@pytest.mark.parametrize("first, adult", [
    ("我老头子瘫在床上，他的身份证过期了，能不能我替他办", True),
    ("帮我妈补身份证", True),
    ("给我奶奶换身份证", True),
    ("我妈说她的身份证坏了", True),
    ("我爸说身份证要换了", False),  # whose card? the speaker's, maybe a child's
    ("我和我妈的身份证都丢了", False),  # the speaker's too
    ("我妈让我问问孩子的身份证怎么换", False),  # a child's
    ("我老公说我的身份证要换", False),
])
def test_a_first_message_for_a_grown_up_answers_the_age_question(catalog, first, adult):
    renew = catalog.affairs["id-card-renew"]
    keyed = [(p.key, p.question) for p in catalog.pending_questions(renew, {})]
    assert (prefill(keyed, first, first_message=True).get("applicant_age") == "adult") is adult
    assert prefill(keyed, first).get("applicant_age") != "adult"  # a reply that names a grown-up answers no age


def test_a_grown_up_answers_no_question_that_parts_grown_ups(catalog):
    renew = catalog.affairs["driving-license-renew"]  # 未满70周岁 / 已满70周岁
    keyed = [(p.key, p.question) for p in catalog.pending_questions(renew, {})]
    [age] = [k for k, q in keyed if any("70周岁" in o.label for o in q.options)]
    assert age not in prefill(keyed, "帮我爸换驾照", first_message=True)  # grown up, but 70 or not?
    assert prefill(keyed, "帮我爸换驾照，他75岁了", first_message=True)[age] == "over_70"


def test_age_of_the_person():
    assert age_of_the_person("他75岁了") == AgeSaid.exactly(75)
    assert age_of_the_person("我82岁了，身份证丢了") == AgeSaid.exactly(82)
    assert age_of_the_person("我今年30岁，想给孩子办身份证") is None and age_of_the_person("没说年龄") is None


def test_numbers_and_ages():
    assert age_in("孩子八岁") == AgeSaid.exactly(8) and age_in("16周岁") == AgeSaid.exactly(16)
    assert age_in("没说年龄") is None


@pytest.mark.parametrize("text, low, high", [
    ("未满16周岁", 0, 15), ("孩子不到16岁", 0, 15), ("16岁以下", 0, 15), ("小于十六岁", 0, 15),
    ("已满16周岁", 16, OLDEST), ("16岁以上", 16, OLDEST), ("超过16岁", 17, OLDEST), ("十六岁", 16, 16),
])
def test_an_age_said_as_a_limit_is_the_ages_it_allows(text, low, high):
    assert age_in(text) == AgeSaid(low, high)


@pytest.mark.parametrize("text, value", [
    ("应该是未满16周岁", "minor"), ("孩子不到16岁", "minor"), ("16岁以下", "minor"), ("小于16岁", "minor"),
    ("16岁以上", "adult"), ("他75岁了", "adult"),
])
def test_an_age_limit_said_in_other_words_than_the_label_answers_the_age_question(catalog, text, value):
    """未满16周岁 is under 16, not an age of 16: read as 16, it was 已满16周岁, the opposite answer."""
    question = _question(catalog, "id-card-reissue", "applicant_age")
    assert parse_answer(question, text) == value
    assert prefill([("applicant_age", question)], text) == {"applicant_age": value}


def test_an_age_limit_that_does_not_settle_the_question_answers_nothing(catalog):
    age = _question(catalog, "driving-license-renew", "age_70")  # 未满70周岁 / 已满70周岁
    assert parse_answer(age, "已满16周岁") is None and prefill([("age_70", age)], "他超过16岁了") == {}


@pytest.mark.parametrize("text, question_id, value", [
    ("yi man 16", "applicant_age", "adult"), ("wei man 16", "applicant_age", "minor"),
    ("xiaohai", "applicant_age", "minor"), ("waisheng hukou", "hukou_place", "other_province"),
    ("zhe jiang hu kou", "hukou_place", "local"), ("bu shi", "hukou_place", "other_province"),
    ("yiman shiliu", "applicant_age", "adult"), ("wei man shi liu", "applicant_age", "minor"),  # 16 as said
])
def test_answers_typed_in_pinyin(catalog, text, question_id, value):
    assert parse_answer(_question(catalog, "id-card-reissue", question_id), text) == value


@pytest.mark.parametrize("text", ["hao", "ok", "ma", "16"])
def test_pinyin_that_spells_no_option_is_unclear(catalog, text):
    assert parse_answer(_question(catalog, "id-card-reissue", "hukou_place"), text) is None


@pytest.mark.parametrize("text, expected", [("他今年72了", "over_70"), ("六十八", "under_70"), ("76啦", "over_70"),
                                            ("快70了", None), ("不到70", "under_70"), ("72和68", None),
                                            ("第一个", None)])
def test_an_age_question_takes_the_one_number_given_as_the_age(catalog, text, expected):
    age = _question(catalog, "driving-license-renew", "age_70")
    assert parse_answer(age, text) == expected


def test_readings_count_unless_the_answer_negates(catalog):
    hukou = _question(catalog, "id-card-first", "hukou_place")
    assert parse_answer(hukou, "户口在安徽", ["外省"]) == "other_province"
    assert parse_answer(hukou, "户口在安徽") is None  # the place alone is no word of either option
    assert parse_answer(hukou, "户口不在安徽", ["外省"]) is None


def test_a_yes_hint_chooses_only_in_a_short_answer(catalog):
    hukou = _question(catalog, "school-enrollment", "hukou")
    assert parse_answer(hukou, "是") == "local"
    assert parse_answer(hukou, "我们是新搬来的") is None  # 是 is only the verb here
    purpose = _question(catalog, "hk-macau-permit", "endorsement_type")
    assert parse_answer(purpose, "去香港玩几天") == "tourism"  # a one-character hint that is no yes still counts


@pytest.mark.parametrize("affair", ["hk-macau-permit", "taiwan-permit"])
def test_a_spouse_whose_permit_it_is_is_no_family_visit(catalog, affair):
    permit = catalog.affairs[affair]
    keyed = [(p.key, p.question) for p in catalog.pending_questions(permit, {})]
    assert "endorsement_type" not in prefill(keyed, "我老婆的通行证到期了", first_message=True)
    assert prefill(keyed, "老婆在那边工作，我要去探亲")["endorsement_type"] == "family"
    assert prefill(keyed, "我老公在那边上班，想过去看他")["endorsement_type"] == "family"


def test_not_knowing_answers_only_the_question_asked():
    """我也搞不清楚，到底怎么弄 says nothing of earlier work years; 不清楚, said to that question, answers it."""
    years = _hinted("deemed_years", yes_deemed=("有工龄", "集体"), no_deemed=("没有", "不清楚", "实际缴费"))
    assert prefill([("deemed_years", years)], "听说现在延迟退休了，我也搞不清楚，到底怎么弄") == {}
    assert prefill([("deemed_years", years)], "早年在集体企业") == {"deemed_years": "yes_deemed"}
    assert parse_answer(years, "不清楚") == "no_deemed"


def test_the_longer_of_two_options_words_said_chooses():
    """股份有限公司 holds 有限公司 (a limited company's word) inside 股份有限 (a joint-stock company's)."""
    kind = _hinted("company_type", limited=("有限公司", "有限责任"), joint_stock=("股份有限公司", "股份公司"))
    assert prefill([("company_type", kind)], "股份有限公司注册要什么材料") == {"company_type": "joint_stock"}
    assert prefill([("company_type", kind)], "有限公司注册要什么材料") == {"company_type": "limited"}


def test_where_one_is_says_nothing_of_one_s_hukou():
    """我人在外地出差 tells where the person is; 户口在外省 and 外地户口 tell the hukou."""
    places = (Option("local", "浙江户口", ("浙江", "本地")), Option("other_province", "外省户口", ("外省", "外地")))
    hukou = Question(id="hukou_place", ask="户口是在浙江省内吗？", options=places)
    assert prefill([("hukou_place", hukou)], "我人在外地出差，想让我妈帮我开证明") == {}
    assert prefill([("hukou_place", hukou)], "我户口在外省") == {"hukou_place": "other_province"}
    assert prefill([("hukou_place", hukou)], "我是外地户口") == {"hukou_place": "other_province"}
    where = Question(id="treat_place", ask="是在省内还是外省看病？", options=hukou.options)
    assert prefill([("treat_place", where)], "在外地看的病") == {"treat_place": "other_province"}  # where, asked
