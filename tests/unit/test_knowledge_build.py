"""bot.knowledge.build: derived files carry the header, are current in the repo, and go stale on edits."""

from __future__ import annotations

import json

from ruamel.yaml import YAML
from unit_helpers import copy_knowledge

from bot.config import PROJECT_ROOT
from bot.knowledge.build import (
    ENTITY_PATTERNS_FILE,
    HEADER,
    JIEBA_FILE,
    PINYIN_HEADER,
    derived_files,
    stale_files,
    write_derived,
)
from bot.knowledge.pinyin_examples import PINYIN_FILE, pinyin_nlu, typed_in_pinyin
from bot.knowledge.validate import validate


def test_derived_files_start_with_the_header(real_validation):
    files, _ = real_validation
    derived = derived_files(files)
    assert set(derived) == {JIEBA_FILE, ENTITY_PATTERNS_FILE, PINYIN_FILE}
    for rel, content in derived.items():
        on_disk = (PROJECT_ROOT / rel).read_text(encoding="utf-8").splitlines()[0]
        if rel.suffix == ".jsonl":  # no comments in JSON Lines: the first line is a JSON header saying it
            assert json.loads(content.splitlines()[0])["note"] == json.loads(on_disk)["note"] == HEADER[2:], rel
        else:
            header = PINYIN_HEADER if rel == PINYIN_FILE else HEADER
            assert content.splitlines()[0] == on_disk == header, rel


def test_repo_derived_files_are_current(real_validation):
    files, _ = real_validation
    assert stale_files(files, PROJECT_ROOT) == []


def test_jieba_dictionary_holds_affair_words_and_places(real_validation):
    files, _ = real_validation
    lines = derived_files(files)[JIEBA_FILE].splitlines()
    assert "补办身份证 2000" in lines  # an alias of id-card-reissue
    assert "身份证补领 2000" in lines  # a short name
    assert "余杭 2000" in lines and "余杭区 2000" in lines  # a county and its alias
    assert lines[1:] == sorted(lines[1:])
    assert len(lines[1:]) == len(set(lines[1:]))


def test_entity_patterns_map_names_and_aliases_to_place_codes(real_validation):
    files, _ = real_validation
    rows = [json.loads(line) for line in derived_files(files)[ENTITY_PATTERNS_FILE].splitlines()[1:]]
    by_pattern = {row["pattern"]: (row["id"], row["name"]) for row in rows}
    assert by_pattern["余杭"] == by_pattern["余杭区"] == ("330110", "余杭区")
    assert by_pattern["鄞州"] == by_pattern["江东区"] == ("330212", "鄞州区")
    assert {row["label"] for row in rows} == {"district"}


def test_changing_an_alias_makes_the_jieba_dictionary_stale(tmp_path):
    root = copy_knowledge(tmp_path)
    path = root / "affairs" / "id-card-reissue.yml"
    text = path.read_text(encoding="utf-8")
    assert "  - 补办身份证\n" in text
    path.write_text(text.replace("  - 补办身份证\n", "  - 补办身份证件\n"), encoding="utf-8")
    files, problems = validate(root)
    assert problems == []

    assert stale_files(files, PROJECT_ROOT) == [JIEBA_FILE]
    assert "补办身份证件 2000" in derived_files(files)[JIEBA_FILE].splitlines()

    project = tmp_path / "project"
    # a new project: the pinyin copies too (of no examples, as it has no data/nlu/)
    assert sorted(write_derived(files, project)) == sorted([JIEBA_FILE, ENTITY_PATTERNS_FILE, PINYIN_FILE])
    assert (project / JIEBA_FILE).read_text(encoding="utf-8") == derived_files(files)[JIEBA_FILE]
    assert stale_files(files, project) == []
    assert write_derived(files, project) == []


def test_changing_a_place_alias_makes_the_entity_patterns_stale(tmp_path):
    root = copy_knowledge(tmp_path)
    path = root / "places.yml"
    text = path.read_text(encoding="utf-8")
    assert "aliases: [余杭]" in text
    path.write_text(text.replace("aliases: [余杭]", "aliases: [余杭, 老余杭]"), encoding="utf-8")
    files, problems = validate(root)
    assert problems == []
    assert set(stale_files(files, PROJECT_ROOT)) == {JIEBA_FILE, ENTITY_PATTERNS_FILE}
    assert '"pattern": "老余杭", "id": "330110"' in derived_files(files)[ENTITY_PATTERNS_FILE]


def test_an_example_is_typed_in_pinyin_word_by_word_without_annotations():
    assert typed_in_pinyin("公积金怎么取") == "gongjijin zenme qu"
    assert typed_in_pinyin("我在[余杭](district)，应该去哪里办") == "wo zai yuhang yinggai qu nali ban"
    assert typed_in_pinyin("ZJ2026330106000101 查一下") == "ZJ2026330106000101 cha yixia"


def test_the_pinyin_file_copies_each_intent_and_drops_what_two_intents_share(tmp_path):
    (tmp_path / "a.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - 您好\n    - hello\n'
        "- intent: ask_fee\n  examples: |\n    - 多少钱\n    - 你好\n", encoding="utf-8")
    (tmp_path / "pinyin.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - 多少钱\n", encoding="utf-8")
    text = pinyin_nlu(tmp_path, "# header")
    data = YAML(typ="safe").load(text)
    assert text.startswith("# header\n")
    examples = {block["intent"]: block["examples"].split("\n- ") for block in data["nlu"]}
    # 你好 is an example of both intents: gone from both; hello has no Chinese; pinyin.yml itself is not read
    assert {i: [e.strip("- \n") for e in ex] for i, ex in examples.items()} == {"greet": ["ninhao"],
                                                                             "ask_fee": ["duoshao qian"]}
