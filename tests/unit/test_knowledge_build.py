"""bot.knowledge.build: derived files carry the header, are current in the repo, and go stale on edits."""

from __future__ import annotations

from unit_helpers import copy_knowledge

from bot.config import PROJECT_ROOT
from bot.knowledge.build import DISTRICTS_FILE, HEADER, JIEBA_FILE, derived_files, stale_files, write_derived
from bot.knowledge.validate import validate


def test_derived_files_start_with_the_header(real_validation):
    files, _ = real_validation
    derived = derived_files(files)
    assert set(derived) == {JIEBA_FILE, DISTRICTS_FILE}
    for rel, content in derived.items():
        assert content.splitlines()[0] == HEADER, rel
        assert (PROJECT_ROOT / rel).read_text(encoding="utf-8").splitlines()[0] == HEADER, rel


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


def test_districts_nlu_maps_aliases_to_official_names(real_validation):
    files, _ = real_validation
    text = derived_files(files)[DISTRICTS_FILE]
    assert "- lookup: district" in text
    assert "- synonym: 余杭区\n  examples: |\n    - 余杭\n" in text
    assert "- synonym: 鄞州区\n  examples: |\n    - 鄞州\n    - 江东区\n" in text


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
    assert sorted(write_derived(files, project)) == sorted([JIEBA_FILE, DISTRICTS_FILE])
    assert (project / JIEBA_FILE).read_text(encoding="utf-8") == derived_files(files)[JIEBA_FILE]
    assert stale_files(files, project) == []
    assert write_derived(files, project) == []
