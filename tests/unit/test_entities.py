"""bot.entities: the spaCy EntityRuler over characters, its generated district patterns, the labelled-set report
and the Rasa component. Real spaCy throughout (a blank Chinese pipeline, no model), no mocks."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.entities import (
    CASE_NUMBER_PATTERN,
    KINDS,
    QUERY_CODE_PATTERN,
    Entity,
    default_extractor,
    extract,
)
from bot.entities.formats import char_token_patterns, fold
from bot.entities.numerals import date_value, in_chinese, parse_number
from bot.entities.places import GENERATED_BY, PATTERNS_FILE, place_patterns, read_patterns
from bot.entities.report import overall, read_labelled, score

LABELLED = PROJECT_ROOT / "tests" / "data" / "entities.tsv"


def found(text: str, expect: tuple[str, ...] = ()) -> list[tuple[str, str | int, str]]:
    return [(e.kind, e.value, e.text) for e in extract(text, expect)]


# --- the pipeline --------------------------------------------------------------------------------------------------

def test_blank_chinese_pipeline_splits_characters_without_a_word_segmenter():
    nlp = default_extractor().nlp
    assert nlp.lang == "zh"
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert nlp.pipe_names == ["entity_ruler"]
    assert [t.text for t in nlp.make_doc("余杭区")] == ["余", "杭", "区"]


def test_a_short_name_is_found_inside_the_full_name_and_in_a_sentence():
    assert found("我在余杭") == [("district", "330110", "余杭")]
    assert found("余杭区") == [("district", "330110", "余杭区")]
    assert found("我在余杭区良渚街道") == [("district", "330110", "余杭区")]


@pytest.mark.parametrize("text, code, typed", [
    ("杭州市西湖区", "330106", "杭州市西湖区"),
    ("宁波鄞州", "330212", "宁波鄞州"),
    ("我在杭州 西湖区上班", "330106", "杭州 西湖区"),
    ("江东区", "330212", "江东区"),  # a former name, an alias of 鄞州区
    ("景宁", "331127", "景宁"),
    ("以前的绍兴县", "330603", "绍兴县"),  # the longer alias beats the city 绍兴
    ("温州", "330300", "温州"),
])
def test_districts_have_their_place_code(text, code, typed):
    assert found(text) == [("district", code, typed)]


def test_a_city_and_a_county_apart_stay_two_districts():
    assert found("宁波的鄞州") == [("district", "330200", "宁波"), ("district", "330212", "鄞州")]
    # a county of another city is not joined to the city before it
    assert [e.value for e in extract("杭州鄞州")] == ["330100", "330212"]


def test_no_district_in_words_that_only_share_characters():
    assert extract("余额不足") == []
    assert extract("我想补办身份证") == []


@pytest.mark.parametrize("text, value", [
    ("ZJ2026330106000101", "ZJ2026330106000101"),
    ("我的办件编号是ZJ2026330106000101，帮我查一下", "ZJ2026330106000101"),
    ("编号 zj2026330106000101", "ZJ2026330106000101"),
    ("编号：ＺＪ２０２６３３０１０６０００１０１", "ZJ2026330106000101"),
    ("ZJ 2026 3301 0600 0101", "ZJ2026330106000101"),
    ("zj2026-330106-000101查进度", "ZJ2026330106000101"),
])
def test_case_numbers_are_read_in_sentences_full_width_and_spaced(text, value):
    [entity] = extract(text)
    assert (entity.kind, entity.value) == ("case_number", value)
    assert text[entity.start:entity.end] == entity.text
    assert fold(entity.text).replace(" ", "").replace("-", "") == value


@pytest.mark.parametrize("text", ["ZJ202633010600010", "ZJ20263301060001019", "ZJ2026110106000101",
                                  "SH2026330106000101", "ZJ1999330106000101", "AZJ2026330106000101"])
def test_malformed_case_numbers_are_no_entity(text):
    assert [e for e in extract(text) if e.kind == "case_number"] == []


@settings(max_examples=60, deadline=None)
@given(number=st.from_regex(re.compile(CASE_NUMBER_PATTERN), fullmatch=True),
       before=st.sampled_from(["", "编号", "我的件 ", "受理号是："]),
       after=st.sampled_from(["", "，查下进度", " 谢谢"]))
def test_every_number_of_the_canonical_pattern_is_found(number, before, after):
    assert found(before + number + after) == [("case_number", number, number)]


@settings(max_examples=40, deadline=None)
@given(code=st.from_regex(re.compile(QUERY_CODE_PATTERN), fullmatch=True))
def test_every_query_code_after_its_cue_is_found(code):
    assert [(e.kind, e.value) for e in extract(f"查询码{code.lower()}")] == [("query_code", code)]


def test_phone_tails_need_a_cue_a_bare_message_a_case_number_or_a_question():
    assert found("手机尾号1234") == [("phone_last4", "1234", "1234")]
    assert found("２４８１") == [("phone_last4", "2481", "２４８１")]
    assert found("ZJ2026330106000101 5803") == [("case_number", "ZJ2026330106000101", "ZJ2026330106000101"),
                                                ("phone_last4", "5803", "5803")]
    assert found("5803，谢谢") == []
    assert found("5803，谢谢", expect=("phone_last4",)) == [("phone_last4", "5803", "5803")]


@pytest.mark.parametrize("text", ["1234567", "13812345678", "电话0571-88886666", "我要交5000块吗", "房间号1203在哪",
                                  "2026年", "查询码 K7M3Q9T0", "密码是ABCDEFGH", "我用的是HUAWEI手机",
                                  "我的电话是88886666"])
def test_numbers_and_words_that_are_no_verification_factor(text):
    assert [e for e in extract(text) if e.kind in ("phone_last4", "query_code")] == []


@pytest.mark.parametrize("text, kind, value", [
    ("孩子十岁", "age", 10), ("16周岁", "age", 16), ("八岁半", "age", 8), ("我妈六十多岁了", "age", 60),
    ("一百零五岁", "age", 105), ("宝宝两岁", "age", 2), ("我妈70了", "age", 70), ("孩子都十二啦", "age", 12),
    ("我老公三十多了", "age", 30), ("伊72了", "age", 72), ("俺都65了", "age", 65),
    ("2026年3月5日", "date", "2026-03-05"), ("下个月", "date", "month+1"), ("3月5号", "date", "--03-05"),
    ("二〇二六年一月八日", "date", "2026-01-08"), ("2026/3/5", "date", "2026-03-05"), ("五月份", "date", "--05"),
    ("大后天", "date", "day+3"), ("2025年12月", "date", "2025-12"),
    ("第二个", "ordinal", 2), ("第3项", "ordinal", 3), ("就第十条吧", "ordinal", 10),
])
def test_ages_dates_and_ordinals_have_canonical_values(text, kind, value):
    assert [(e.kind, e.value) for e in extract(text)] == [(kind, value)]


@pytest.mark.parametrize("text", ["第一次来办", "第二天就能拿吗", "需要第三方证明吗", "2月30日", "13月5日",
                                  "一个月内办好", "多大岁数可以办", "1十岁", "我妈快70了", "我等了3了",
                                  "住院10天了", "孩子3个月了", "材料交了2了"])
def test_counts_durations_and_impossible_dates_are_no_entity(text):
    assert [e for e in extract(text) if e.kind in ("age", "date", "ordinal")] == []


def test_entities_come_in_text_order_with_offsets_into_the_original_text():
    text = "我在余杭区，孩子８岁，2026年3月5日交的，查询码ｋ７ｍ３ｑ９ｔｘ"
    entities = extract(text)
    assert [(e.kind, e.value) for e in entities] == [
        ("district", "330110"), ("age", 8), ("date", "2026-03-05"), ("query_code", "K7M3Q9TX")]
    assert all(text[e.start:e.end] == e.text for e in entities)
    assert entities == sorted(entities, key=lambda e: e.start)


def test_private_values_are_masked_in_repr():
    entity = Entity("phone_last4", "2481", 4, 8, "2481")
    assert "2481" not in repr(entity)
    assert "330110" in repr(Entity("district", "330110", 0, 2, "余杭"))


# --- the pieces ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("16", 16), ("十", 10), ("十六", 16), ("二十", 20), ("二十三", 23), ("两", 2), ("一百零五", 105),
    ("二〇二六", 2026), ("1十", None), ("十十", None), ("三二十", None), ("两两", None), ("", None),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("number, said", [(0, "零"), (6, "六"), (10, "十"), (16, "十六"), (20, "二十"), (70, "七十"),
                                          (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九"),
                                          (2026, "2026")])
def test_a_number_as_said_in_chinese(number, said):
    assert in_chinese(number) == said


def test_every_number_said_in_chinese_reads_back():
    assert all(parse_number(in_chinese(n)) == n for n in range(1000))


def test_date_value_checks_the_calendar():
    assert date_value("2024", "2", "29") == "2024-02-29"
    assert date_value("2026", "2", "29") is None
    assert date_value(None, "2", "29") == "--02-29"
    assert date_value(None, "两", None) is None


def test_char_token_patterns_follow_the_regex():
    tokens = char_token_patterns(r"^ZJ[0-9]{2}$", separators=False)
    assert tokens == [{"TEXT": "Z", "SPACY": False}, {"TEXT": "J", "SPACY": False},
                      {"TEXT": {"REGEX": "^[0-9]$"}, "SPACY": False}, {"TEXT": {"REGEX": "^[0-9]$"}}]
    assert len(char_token_patterns(CASE_NUMBER_PATTERN, separators=True)) == 18 * 2 - 1
    with pytest.raises(ValueError):
        char_token_patterns(r"^ZJ[0-9]+$", separators=False)


def test_fold_keeps_length_and_offsets():
    text = "ＺＪ２０２６…㈠ｋ"
    assert len(fold(text)) == len(text)
    assert fold(text) == "ZJ2026…㈠K"


# --- generated patterns --------------------------------------------------------------------------------------------

def test_generated_patterns_file_says_so_and_names_every_place(catalog):
    lines = (PROJECT_ROOT / PATTERNS_FILE).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["generated_by"] == GENERATED_BY
    patterns = read_patterns(PROJECT_ROOT / PATTERNS_FILE)
    assert {p.code for p in patterns} == set(catalog.places)
    assert {p.pattern for p in patterns if p.code == "330110"} == {"余杭", "余杭区"}
    assert all(p.city == p.code for p in patterns if catalog.places[p.code].is_city)


def test_place_patterns_short_names_and_conflicts():
    places = {"cities": [{"code": "330100", "name": "杭州市", "aliases": ["杭州"], "counties": [
        {"code": "330110", "name": "余杭区", "aliases": []},
        {"code": "330106", "name": "西湖区", "aliases": ["西湖"]},
        {"code": "330127", "name": "淳安县", "aliases": ["余杭"]},  # an alias wins over a short name
    ]}]}
    by_pattern = {p.pattern: p.code for p in place_patterns(places)}
    assert by_pattern == {"杭州": "330100", "杭州市": "330100", "余杭区": "330110", "余杭": "330127",
                          "西湖区": "330106", "西湖": "330106", "淳安县": "330127", "淳安": "330127"}
    places["cities"][0]["counties"][1]["aliases"] = ["余杭区"]
    with pytest.raises(ValueError, match="余杭区"):
        place_patterns(places)


def test_read_patterns_refuses_a_file_that_was_not_generated(tmp_path):
    path = tmp_path / "patterns.jsonl"
    path.write_text('{"label": "district", "pattern": "余杭", "id": "330110"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="knowledge build"):
        read_patterns(path)


def test_default_extractor_follows_a_rebuilt_file(tmp_path):
    path = tmp_path / "patterns.jsonl"
    header = json.dumps({"generated_by": GENERATED_BY})
    row = {"label": "district", "pattern": "余杭", "id": "330110", "name": "余杭区", "city": "330100"}
    path.write_text(header + "\n" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    first = default_extractor(path)
    assert [e.value for e in first.extract("我在余杭")] == ["330110"]
    assert default_extractor(path) is first
    row.update(pattern="临平", id="330113", name="临平区")
    path.write_text(header + "\n" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    written = path.stat()
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns + 10**9))  # even on a coarse-clock file system
    second = default_extractor(path)
    assert second is not first
    assert second.extract("我在余杭") == [] and [e.value for e in second.extract("住临平")] == ["330113"]
    default_extractor()  # back to the project's file for the other tests


# --- the labelled set and the report -------------------------------------------------------------------------------

def test_labelled_set_precision_and_recall_per_kind():
    rows = read_labelled(LABELLED)
    assert len(rows) >= 200
    tallies = score(rows, default_extractor())
    for kind in KINDS:
        tally = tallies[kind]
        assert tally.tp + tally.fn >= 8, f"too few labelled {kind}"
        assert tally.precision >= 0.95, (kind, tally.misses)
        assert tally.recall >= 0.95, (kind, tally.misses)
    assert overall(tallies).precision >= 0.95 and overall(tallies).recall >= 0.95


def test_read_labelled_names_the_line_of_a_bad_label(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# comment\n我在余杭\tdistrict=余杭区\n孩子十岁\tage:10\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:3"):
        read_labelled(path)


def test_report_command_prints_precision_and_recall(tmp_path, capsys):
    path = tmp_path / "small.tsv"
    path.write_text("我在余杭\tdistrict=余杭区\n孩子十岁\tage=10\n余额不足\t\n天台漏水找谁\t\n", encoding="utf-8")
    assert main(["entities", "report", str(path), "--misses"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line and line[0].isalpha()}
    assert rows["district"] == ["1", "2", "1", "0.500", "1.000"]
    assert rows["age"] == ["1", "1", "1", "1.000", "1.000"]
    assert "[district] 4: 天台漏水找谁" in out


# --- the Rasa component --------------------------------------------------------------------------------------------

def test_rasa_component_sets_the_same_values():
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    from bot.entities.rasa_component import OneVisitEntityExtractor

    component = OneVisitEntityExtractor.create(
        {}, LocalModelStorage(Path("/nonexistent")), Resource("entities"), ExecutionContext(GraphSchema({})))
    text = "我在杭州市余杭区，编号ZJ2026330110000523，手机尾号１２３４，孩子十岁"
    message = Message.build(text=text)
    [processed] = component.process([message])
    entities = processed.get("entities")
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in entities] == [
        ("district", "330110", 2, 8), ("case_number", "ZJ2026330110000523", 11, 29), ("phone_last4", "1234", 34, 38)]
    assert all(e["extractor"] == "OneVisitEntityExtractor" for e in entities)
    assert [e["value"] for e in entities] == [str(e.value) for e in extract(text) if e.kind != "age"]
