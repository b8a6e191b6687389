"""The worked example of knowledge/README.md, followed step by step on a copy of the knowledge.

Every step comes from a marked code block of the README (`<!-- example...: ... -->` followed by a fence), so
the test fails when the README goes wrong (a new affair file that no longer validates or loads, a common
mistake that is reported elsewhere than the README says, an alias that stops resolving, NLU lines that do
not parse) as well as when the tools stop doing what the README promises.

Validating parses every knowledge file (a few seconds each time), so the three command runs (validate, load,
validate the mistake) are started together and awaited once for the whole module.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.catalog.db import engine_for
from bot.catalog.provider import CatalogProvider, Snapshot
from bot.config import PROJECT_ROOT
from tests.trimmed_knowledge import copy_trimmed

README = PROJECT_ROOT / "knowledge" / "README.md"
AFFAIR_ID = "example-library-card"
AFFAIR_FILE = f"affairs/{AFFAIR_ID}.yml"
NLU_FILE = "data/nlu/affairs.yml"
INTENT = "ask_materials"
BLOCK = re.compile(r"^<!-- (example[a-z-]*)(?:: ([^>]*?))? -->\n```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
COMMAND_TIMEOUT = 180


def readme_blocks() -> dict[tuple[str, str], str]:
    """Marked code blocks of the README by (marker, argument)."""
    text = README.read_text(encoding="utf-8")
    blocks = {(m.group(1), m.group(2) or ""): m.group(3) for m in BLOCK.finditer(text)}
    assert len(blocks) == text.count("<!-- example"), "every example marker must be followed by a fenced block"
    return blocks


def block(marker: str, argument: str = "") -> str:
    found = readme_blocks().get((marker, argument))
    assert found is not None, f"README has no block marked <!-- {marker}{': ' + argument if argument else ''} -->"
    return found


def commands() -> list[list[str]]:
    """The commands of the worked example, each split into words."""
    return [shlex.split(line) for line in block("example-commands").splitlines() if line.strip()]


def knowledge_command(action: str) -> list[str]:
    """The README's `.venv/bin/python -m bot knowledge ACTION` line, run with this interpreter."""
    for words in commands():
        if words[:4] == [".venv/bin/python", "-m", "bot", "knowledge"] and words[4] == action:
            return [sys.executable, *words[1:]]
    raise AssertionError(f"the README's commands do not run `knowledge {action}`")


def with_mistake(affair_text: str) -> tuple[str, int]:
    """The affair file with the README's common mistake made in it, and the line of the mistake."""
    wrong = block("example-mistake", AFFAIR_FILE).splitlines()
    wrong_at = [i for i, line in enumerate(wrong) if line.strip().startswith("when:")]
    assert len(wrong_at) == 1, "the mistake block should show one material with one `when:` line"
    lines = affair_text.splitlines()
    for start in range(len(lines) - len(wrong) + 1):
        window = lines[start:start + len(wrong)]
        if all(a == b for i, (a, b) in enumerate(zip(window, wrong, strict=True)) if i != wrong_at[0]):
            assert window[wrong_at[0]].strip().startswith("when:")
            lines[start + wrong_at[0]] = wrong[wrong_at[0]]
            return "\n".join(lines) + "\n", start + wrong_at[0] + 1
    raise AssertionError("the mistake block must be a material of the example file with only `when:` changed")


def with_nlu_lines(nlu_text: str, added: str) -> str:
    """data/nlu/affairs.yml with the README's lines added after the last example of the intent."""
    lines = nlu_text.splitlines()
    start = lines.index(f"- intent: {INTENT}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- ")), len(lines))
    while not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[:end] + added.rstrip("\n").splitlines() + lines[end:]) + "\n"


@dataclass(frozen=True)
class Run:
    """A finished command: exit status and everything it printed."""

    returncode: int
    output: str


@dataclass(frozen=True)
class Worked:
    """The example done on a copy: the copy, the database, and what each command said."""

    knowledge: Path
    database_url: str
    affair_text: str
    validate: Run
    load: Run
    mistake: Run
    mistake_line: int


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, text=True, encoding="utf-8",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish(process: subprocess.Popen[str]) -> Run:
    try:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"{process.args} did not finish in {COMMAND_TIMEOUT} s:\n{output}")
    return Run(process.returncode, output)


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Worked:
    """Step 1 on a copy of the whole knowledge with fewer phrasings (fitted in seconds; see `copy_trimmed`), then
    validate and load it; step 2 on a second copy."""
    base = tmp_path_factory.mktemp("readme")
    affair_text = block("example", AFFAIR_FILE)
    good = copy_trimmed(base / "good" / "knowledge")
    assert not (good / AFFAIR_FILE).exists(), "the example affair must not be in the real knowledge"
    (good / AFFAIR_FILE).write_text(affair_text, encoding="utf-8")

    # The mistake is in one affair file; the other affairs, their phrasings, the replies to their questions, the
    # topics they share and the questions that concern two of them are left out of this copy.
    broken = base / "broken" / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", broken, ignore=shutil.ignore_patterns(
        "affairs", "phrasings", "answers", "umbrellas.yml", "two_affairs.yml"))
    (broken / "affairs").mkdir()
    broken_text, mistake_line = with_mistake(affair_text)
    (broken / AFFAIR_FILE).write_text(broken_text, encoding="utf-8")

    database_url = f"sqlite:///{base / 'catalog.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("KNOWLEDGE_DIR", None)
    validate = _start([*knowledge_command("validate"), "--dir", str(good)], env)
    load = _start([*knowledge_command("load"), "--dir", str(good)], env)
    mistake = _start([*knowledge_command("validate"), "--dir", str(broken)], env)
    return Worked(good, database_url, affair_text, _finish(validate), _finish(load), _finish(mistake), mistake_line)


@pytest.fixture(scope="module")
def snapshot(worked: Worked) -> Snapshot:
    """What a running assistant sees after the load."""
    assert worked.load.returncode == 0, worked.load.output
    return CatalogProvider(engine_for(worked.database_url), interval=0).current()


def test_commands_are_validate_build_load_in_order():
    actions = [words[4] for words in commands() if words[:4] == [".venv/bin/python", "-m", "bot", "knowledge"]]
    assert actions == ["validate", "build", "load"]


def test_new_affair_file_validates(worked: Worked):
    assert worked.validate.returncode == 0, worked.validate.output
    assert "知识库检查通过" in worked.validate.output


def test_new_affair_file_loads(worked: Worked):
    assert worked.load.returncode == 0, worked.load.output
    assert "已载入" in worked.load.output


def test_every_alias_and_the_readme_question_resolve_to_the_new_affair(snapshot: Snapshot):
    affair = snapshot.catalog.affair(AFFAIR_ID)
    assert affair is not None
    assert len(affair.aliases) >= 2
    resolve = [words for words in commands() if words[:4] == [".venv/bin/python", "-m", "bot", "resolve"]]
    assert len(resolve) == 1 and len(resolve[0]) == 5, "the README should try one question with `bot resolve`"
    for text in [*affair.aliases, resolve[0][4]]:
        assert snapshot.resolver.resolve(text).affair == AFFAIR_ID, text


def test_situation_question_is_asked_and_decides_the_materials(snapshot: Snapshot):
    catalog = snapshot.catalog
    affair = catalog.affair(AFFAIR_ID)
    assert affair is not None
    pending = catalog.pending_questions(affair, {})
    assert [p.key for p in pending] == ["reader_age"]
    assert pending[0].question.ask == "办证的读者是否已满18周岁？"
    assert catalog.pending_questions(affair, {"reader_age": "minor"}) == []

    def names(answers: dict[str, str], exempt: bool) -> list[str]:
        return [line.material.name for line in catalog.materials_for(affair, answers)
                if line.material.exempt is exempt]

    assert names({"reader_age": "minor"}, exempt=False) == ["读者本人居民身份证", "监护人居民身份证"]
    assert names({"reader_age": "adult"}, exempt=False) == ["读者本人居民身份证"]
    assert names({"reader_age": "adult"}, exempt=True) == ["居民身份证复印件"]


def test_new_affair_gets_an_unverified_hangzhou_hall(snapshot: Snapshot):
    catalog = snapshot.catalog
    affair = catalog.affair(AFFAIR_ID)
    assert affair is not None
    match = catalog.office_for(affair, catalog.places["330106"])
    assert match is not None and match.own_district
    assert match.office.kind == "government-service-center"
    assert not match.office.verified


def test_common_mistake_is_reported_at_its_file_and_line(worked: Worked):
    assert worked.mistake.returncode == 1, worked.mistake.output
    expected = [line.strip() for line in block("example-mistake-output").splitlines() if line.strip()]
    printed = [line.strip() for line in worked.mistake.output.splitlines()]
    for line in expected:
        assert line in printed, f"README says validate prints {line!r}; it printed:\n{worked.mistake.output}"
    assert f"knowledge/{AFFAIR_FILE}:{worked.mistake_line}:" in worked.mistake.output


def test_nlu_lines_parse_as_examples_of_the_intent(tmp_path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    added = block("example-append", f"{NLU_FILE} {INTENT}")
    texts = [line.strip()[2:] for line in added.splitlines() if line.strip()]
    assert texts and all(line.startswith("    - ") for line in added.splitlines() if line.strip())
    original = (PROJECT_ROOT / NLU_FILE).read_text(encoding="utf-8")
    path = tmp_path / "affairs.yml"
    path.write_text(with_nlu_lines(original, added), encoding="utf-8")
    data = load_data(str(path))
    before = load_data(str(PROJECT_ROOT / NLU_FILE))
    assert len(data.intent_examples) == len(before.intent_examples) + len(texts)
    intents = {m.get("text"): m.get("intent") for m in data.intent_examples}
    for text in texts:
        assert intents.get(text) == INTENT, text
