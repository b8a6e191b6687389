"""bot.knowledge.build: derived files carry the header, are current in the repo, and go stale on edits."""

from __future__ import annotations

import json

from unit_helpers import copy_knowledge

from bot.config import PROJECT_ROOT
from bot.knowledge.build import (
    ENTITY_PATTERNS_FILE,
    HEADER,
    JIEBA_FILE,
    derived_files,
    stale_files,
    write_derived,
)
from bot.knowledge.validate import validate


def test_derived_files_start_with_the_header(real_validation):
    files, _ = real_validation
    derived = derived_files(files)
    assert set(derived) == {JIEBA_FILE, ENTITY_PATTERNS_FILE}
    for rel, content in derived.items():
        on_disk = (PROJECT_ROOT / rel).read_text(encoding="utf-8").splitlines()[0]
        if rel.suffix == ".jsonl":  # no comments in JSON Lines: the first line is a JSON header saying it
            assert json.loads(content.splitlines()[0])["note"] == json.loads(on_disk)["note"] == HEADER[2:], rel
        else:
            assert content.splitlines()[0] == on_disk == HEADER, rel


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
    assert sorted(write_derived(files, project)) == sorted([JIEBA_FILE, ENTITY_PATTERNS_FILE])
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
