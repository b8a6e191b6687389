"""bot.knowledge.validate / source and `python -m bot knowledge validate`: problems name file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from unit_helpers import AFFAIR_IDS, BREAKS, line_no

from bot.config import PROJECT_ROOT
from bot.knowledge.source import Problem, read_yaml


def test_real_knowledge_has_no_problems(real_validation):
    files, problems = real_validation
    assert [str(p) for p in problems] == []
    assert sorted(f.path.stem for f in files.affairs) == AFFAIR_IDS
    assert len(AFFAIR_IDS) >= 60
    assert files.places is not None and files.lexicon is not None
    assert len(files.offices) == 11


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_mistake_is_reported_with_file_and_line(broken, name):
    for expected in broken.expected[name]:
        at_place = [p for p in broken.problems if (p.file, p.line) == (expected.file, expected.line)]
        assert at_place, f"nothing reported at {expected.file}:{expected.line}; got {broken.problems}"
        assert any(expected.fragment in p.message for p in at_place), [p.message for p in at_place]


def test_broken_copy_reports_nothing_else(broken):
    wanted = sorted((e.file, e.line) for items in broken.expected.values() for e in items)
    found = sorted((p.file, p.line) for p in broken.problems)
    assert found == wanted


def test_problem_prints_as_file_line_message():
    problem = Problem("knowledge/affairs/x.yml", 12, "缺少必填字段 fee")
    assert str(problem) == "knowledge/affairs/x.yml:12: 缺少必填字段 fee"


def test_read_yaml_locates_nested_values(tmp_path):
    root = tmp_path / "knowledge"
    (root / "affairs").mkdir(parents=True)
    path = root / "affairs" / "a.yml"
    path.write_text("# comment\nid: a\nmaterials:\n  - name: 甲\n    form: copy\n  - name: 乙\n"
                    "    when: {age: minor}\n", encoding="utf-8")
    source = read_yaml(path, root)
    assert source.problems == [] and source.display == "knowledge/affairs/a.yml"
    assert source.line_of(["id"]) == 2
    assert source.line_of(["materials", 1]) == 6
    assert source.line_of(["materials", 1, "when", "age"]) == 7
    assert source.line_of(["materials", 0, "form"]) == 5
    assert source.line_of(["materials", 5, "form"]) == 3  # missing index: nearest existing parent


def test_read_yaml_reports_syntax_error_line(tmp_path):
    root = tmp_path / "knowledge"
    root.mkdir()
    path = root / "places.yml"
    text = "source: x\ncities:\n  - code: '330100'\n    name: 杭州市\n     aliases: [杭州]\n"
    path.write_text(text, encoding="utf-8")
    source = read_yaml(path, root)
    assert source.data is None
    assert [(p.file, p.line) for p in source.problems] == [("knowledge/places.yml", line_no(text, "aliases"))]
    assert "YAML 格式错误" in source.problems[0].message


@pytest.fixture(scope="module")
def cli_validate(broken) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "knowledge", "validate", "--dir", str(broken.root)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_cli_validate_exits_1_and_prints_file_and_line(cli_validate, broken):
    assert cli_validate.returncode == 1, cli_validate.stderr
    out = cli_validate.stdout
    for items in broken.expected.values():
        for expected in items:
            assert f"{expected.file}:{expected.line}: " in out
    assert f"共发现 {len(broken.problems)} 个问题" in out


def test_cli_validate_prints_messages_verbatim(cli_validate, broken):
    for expected in broken.expected["office-kind-against-pattern"]:
        assert expected.fragment in cli_validate.stdout


def test_validate_without_places_and_required_affair(tmp_path):
    """A folder without places.yml, and a required affair that is missing: both reported at line 1."""
    from bot.knowledge.validate import validate

    root = tmp_path / "knowledge"
    (root / "affairs").mkdir(parents=True)
    (root / "offices").mkdir()
    (root / "schema").mkdir()
    for schema in (PROJECT_ROOT / "knowledge" / "schema").iterdir():
        (root / "schema" / schema.name).write_bytes(schema.read_bytes())
    _, problems = validate(root, required=["id-card-reissue"])
    assert [(Path(p.file).name, p.line) for p in problems] == [("places.yml", 1), ("affairs", 1)]
    assert "缺少必需的事项 id-card-reissue" in problems[1].message


def test_a_phrasing_under_two_owners_is_reported_with_file_and_line(tmp_path):
    import shutil

    from bot.config import PROJECT_ROOT
    from bot.knowledge.validate import validate

    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", root)
    taken = "身份证丢了去哪补"
    (root / "phrasings" / "passport.yml").write_text(
        f"affair: passport\nphrasings:\n  - 护照过期了怎么换\n  - {taken}\n", encoding="utf-8")
    (root / "phrasings" / "id-card-reissue.yml").write_text(
        f"affair: id-card-reissue\nphrasings:\n  - {taken}\n", encoding="utf-8")
    (root / "phrasings" / "nobody.yml").write_text("affair: nobody\nphrasings:\n  - 随便问问\n", encoding="utf-8")
    _, problems = validate(root)
    messages = [str(p) for p in problems]
    assert any(m.startswith("knowledge/phrasings/passport.yml:4:") and "id-card-reissue" in m for m in messages), \
        messages
    assert any(m.startswith("knowledge/phrasings/nobody.yml:1:") and "不存在" in m for m in messages), messages


@pytest.mark.parametrize("extra, field, message", [
    ('checked: "2026-11-01"\n', "checked", "不能写 checked"),
    ("verified: true\n", "verified", "须同时写明 source_url"),
])
def test_provenance_claims_only_what_was_checked(tmp_path, extra, field, message):
    import shutil

    from bot.config import PROJECT_ROOT
    from bot.knowledge.validate import validate

    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", root, ignore=shutil.ignore_patterns("phrasings"))
    path = root / "affairs" / "passport.yml"
    text = path.read_text(encoding="utf-8").replace("verified: false\n", "")
    path.write_text(text + extra, encoding="utf-8")
    _, problems = validate(root)
    line = len(text.splitlines()) + 1
    assert any(str(p).startswith(f"knowledge/affairs/passport.yml:{line}:") and message in str(p)
               for p in problems), [str(p) for p in problems]


def test_answers_name_known_questions_and_options_with_file_and_line(tmp_path):
    import shutil

    from bot.config import PROJECT_ROOT
    from bot.knowledge.validate import validate

    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", root, ignore=shutil.ignore_patterns("answers"))
    (root / "answers").mkdir()
    (root / "answers" / "passport.yml").write_text(
        "affair: passport\nanswers:\n  apply_type:\n    first:\n      - 这辈子还没出过国\n"
        "    reissue:\n      - 出门旅游的时候被人摸走了\n      - 这辈子还没出过国\n"
        "    lost:\n      - 找不着了\n  colour:\n    red:\n      - 红的\n", encoding="utf-8")
    (root / "answers" / "nobody.yml").write_text("affair: nobody\nanswers:\n  q:\n    a:\n      - 嗯\n",
                                                 encoding="utf-8")
    _, problems = validate(root)
    messages = [str(p) for p in problems]
    assert any(m.startswith("knowledge/answers/passport.yml:8:") and "knowledge/answers/passport.yml:5" in m
               for m in messages), messages  # one reply under two options
    assert any(m.startswith("knowledge/answers/passport.yml:9:") and "没有选项 lost" in m for m in messages), messages
    assert any(m.startswith("knowledge/answers/passport.yml:11:") and "没有情形问题 colour" in m
               for m in messages), messages
    assert any(m.startswith("knowledge/answers/nobody.yml:1:") and "不存在" in m for m in messages), messages
    assert len(messages) == 4, messages
