"""The maintainers' loop: place a question the assistant could not, then check and load the knowledge at once.

`Maintainer.assign(question, affair_id)` appends the question to ``knowledge/phrasings/<affair>.yml`` (the file
is created when the affair has none); `Maintainer.ask_between(question, umbrella_id)` appends it to a topic that
several affairs share in ``knowledge/umbrellas.yml`` (the assistant then asks which of them is meant);
`Maintainer.between_affairs(question, affair_ids)` appends it with those affairs to ``knowledge/two_affairs.yml``
(a question of two affairs or more: the assistant asks which of them is meant, and learns what such a question
sounds like); `Maintainer.mark_out_of_scope(question, topic)` appends it to the topic in
``knowledge/out_of_scope.yml`` (a new topic is added at the end). All four edit the YAML round trip (ruamel), so
comments and layout stay as they were, then run the same path as ``python -m bot knowledge load``
(`bot.knowledge.load.load_knowledge`: validate everything, then store it in ``DATABASE_URL`` in one transaction).
When validation finds a problem nothing is kept: the file gets its exact former bytes back and the problems are
returned with file and line. The running assistant picks the new catalog up within ``CATALOG_RELOAD_SECONDS``.

On success the question is also appended to the regression set ``eval/regression/maintainers.tsv``
(``question<TAB>affair id``, ``?a|b`` for the affairs of a shared topic or of a question of two affairs, or ``-``
for out of scope;
`bot.evaluation` reads it:
``python -m bot eval eval/regression/maintainers.tsv``), marked handled in the console's question list, and the
action is audited. One edit at a time: a lock on the knowledge folder serialises maintainers (and processes).
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.audit import ASK_BETWEEN, ASSIGN_QUESTION, OUT_OF_SCOPE, TWO_AFFAIRS, Audit
from bot.console.errors import BadInput, NotFound
from bot.console.ratings import text_key
from bot.knowledge.load import KnowledgeInvalid, load_knowledge
from bot.knowledge.validate import validate
from bot.privacy.logfilter import mask_for_log

AFFAIR_ID = re.compile(r"^[a-z0-9-]{1,80}$")
# How many affairs one question of several may name: more than the assistant offers at once is no question.
MAX_BETWEEN = 5
REGRESSION_HEADER = ("# 维护人员在坐席台归类的问题（bot.console.maintain 自动追加）：问题<TAB>事项 id，"
                     "或 - 表示不归本助手办理\n")
_lock = threading.Lock()


@dataclass
class Outcome:
    """What an assignment did: ``ok``, the file edited, and the problems (file, line, message) when not ok."""

    ok: bool
    kind: str  # assigned | umbrella | two_affairs | out_of_scope
    question: str
    target: str  # the affair id, the shared topic's id, the affair ids joined by "|", or the out-of-scope topic
    file: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "kind": self.kind, "question": self.question, "target": self.target,
                "file": self.file, "problems": self.problems, "changed": self.changed}


def clean_question(question: Any) -> str:
    """One line, masked, 2 to 300 characters (the schema's limits); BadInput otherwise."""
    if not isinstance(question, str):
        raise BadInput("问题需要是一段文字。")
    text = mask_for_log(" ".join(question.split()))
    if not 2 <= len(text) <= 300:
        raise BadInput("问题需要 2 到 300 个字。")
    return text


def _yaml() -> YAML:
    """The round-trip YAML the knowledge files are written in (2-space maps, lists indented by 2)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Exclusive use of the knowledge folder, in this process (a lock) and across processes (flock)."""
    with _lock:
        handle = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.close(handle)


def _write(path: Path, data: bytes) -> None:
    """Replace a file's content atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class Maintainer:
    """Edits the knowledge on behalf of a maintainer and loads it (see the module docstring)."""

    def __init__(self, knowledge_dir: Path, catalog_engine: Callable[[], Engine], console_engine: Engine,
                 regression_file: Path, audit: Audit | None = None, clock: Callable[[], float] = time.time) -> None:
        self.root = knowledge_dir
        self.catalog_engine = catalog_engine
        self.engine = console_engine
        self.regression_file = regression_file
        self.audit = audit or Audit(console_engine, clock)
        self.clock = clock

    def warm(self) -> None:
        """Read and check the knowledge once, so that the first placement re-reads only the file it edits."""
        validate(self.root)

    def topics(self) -> list[str]:
        """The out-of-scope topics, in file order."""
        data = self._read(self.root / "out_of_scope.yml")
        return [str(t.get("topic")) for t in (data or {}).get("topics") or []]

    def umbrellas(self) -> list[dict[str, Any]]:
        """The topics several affairs share ({id, topic, affairs}), in file order."""
        found = self._umbrella_list(self._read(self.root / "umbrellas.yml"))
        return [{"id": str(u.get("id")), "topic": str(u.get("topic")),
                 "affairs": [str(a) for a in u.get("affairs") or []]} for u in found if isinstance(u, dict)]

    def ask_between(self, question: str, umbrella_id: str, user_name: str) -> Outcome:
        """Add the question to a shared topic, so that the assistant asks which of its affairs is meant."""
        text = clean_question(question)
        if not isinstance(umbrella_id, str) or not AFFAIR_ID.match(umbrella_id):
            raise BadInput("话题 id 只能由小写字母、数字和 - 组成。")
        path = self.root / "umbrellas.yml"
        found = next((u for u in self.umbrellas() if u["id"] == umbrella_id), None)
        if found is None:
            raise NotFound(f"知识库里没有共有话题 {umbrella_id}。")

        def edit(original: str | None) -> str:
            data = _yaml().load(original or "")
            umbrella = next(u for u in self._umbrella_list(data) if u.get("id") == umbrella_id)
            if not isinstance(umbrella.get("questions"), list):
                umbrella["questions"] = CommentedSeq()
            return _dump(data) if _append_once(umbrella["questions"], text) else original or ""

        outcome = self._apply(path, edit, Outcome(False, "umbrella", text, umbrella_id, self._shown(path)))
        if outcome.ok:
            self._after(outcome, "?" + "|".join(found["affairs"]), "umbrella", ASK_BETWEEN, user_name)
        return outcome

    def between_affairs(self, question: str, affair_ids: Any, user_name: str) -> Outcome:
        """Add the question with the affairs it concerns to ``two_affairs.yml`` (created when missing), so that
        the assistant asks which of them is meant; validate and load, and restore the file on a problem. A question
        already there with other affairs gets these."""
        text = clean_question(question)
        if not isinstance(affair_ids, list) or not all(isinstance(a, str) for a in affair_ids):
            raise BadInput("请给出事项 id 的列表。")
        chosen = list(dict.fromkeys(affair_ids))
        if not 2 <= len(chosen) <= MAX_BETWEEN:
            raise BadInput(f"请选 2 到 {MAX_BETWEEN} 个不同的事项。")
        for affair_id in chosen:
            self._check_affair(affair_id)
        path = self.root / "two_affairs.yml"

        def edit(original: str | None) -> str:
            if original is None:
                data = CommentedMap([("questions", CommentedSeq())])
                data.yaml_set_start_comment("同时和两项（或更多）事项有关的问题：助手听到时先问一句是哪一项。"
                                            "维护人员可以直接增删，写清涉及的事项 id。")
            else:
                data = _yaml().load(original)
            if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
                raise BadInput("two_affairs.yml 的结构不对（需要 questions 列表），请先修好这个文件。")
            affairs = CommentedSeq(chosen)
            affairs.fa.set_flow_style()
            found = next((q for q in data["questions"] if isinstance(q, dict) and q.get("question") == text), None)
            if found is None:
                data["questions"].append(CommentedMap([("question", text), ("affairs", affairs)]))
            elif list(found.get("affairs") or []) == chosen:
                return original or ""
            else:
                found["affairs"] = affairs
            return _dump(data)

        target = "|".join(chosen)
        outcome = self._apply(path, edit, Outcome(False, "two_affairs", text, target, self._shown(path)))
        if outcome.ok:
            self._after(outcome, "?" + target, "two_affairs", TWO_AFFAIRS, user_name)
        return outcome

    @staticmethod
    def _read(path: Path) -> Any:
        return _yaml().load(path.read_text(encoding="utf-8")) if path.exists() else None

    @staticmethod
    def _umbrella_list(data: Any) -> list[Any]:
        found = data.get("umbrellas") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise BadInput("umbrellas.yml 的结构不对（需要 umbrellas 列表），请先修好这个文件。")
        return found

    def _check_affair(self, affair_id: Any) -> None:
        """BadInput unless the id is well formed, NotFound unless the knowledge has the affair."""
        if not isinstance(affair_id, str) or not AFFAIR_ID.match(affair_id):
            raise BadInput("事项 id 只能由小写字母、数字和 - 组成。")
        if not (self.root / "affairs" / f"{affair_id}.yml").exists():
            raise NotFound(f"知识库里没有事项 {affair_id}。")

    def assign(self, question: str, affair_id: str, user_name: str) -> Outcome:
        """Add the question to the affair's phrasings, validate and load; restore the file on a problem."""
        text = clean_question(question)
        self._check_affair(affair_id)
        path = self.root / "phrasings" / f"{affair_id}.yml"

        def edit(original: str | None) -> str:
            if original is None:
                data = CommentedMap([("affair", affair_id), ("phrasings", CommentedSeq())])
                data.yaml_set_start_comment(f"群众对事项 {affair_id} 的各种说法，用于训练事项识别。"
                                            "维护人员可以直接增删。")
            else:
                data = _yaml().load(original)
            if not isinstance(data, dict) or not isinstance(data.get("phrasings"), list):
                raise BadInput(f"{path.name} 的结构不对（需要 affair 和 phrasings 列表），请先修好这个文件。")
            return _dump(data) if _append_once(data["phrasings"], text) else original or ""

        outcome = self._apply(path, edit, Outcome(False, "assigned", text, affair_id, self._shown(path)))
        if outcome.ok:
            self._after(outcome, affair_id, "assigned", ASSIGN_QUESTION, user_name)
        return outcome

    def mark_out_of_scope(self, question: str, topic: str, user_name: str) -> Outcome:
        """Add the question to an out-of-scope topic (a new topic when it has none), validate and load."""
        text = clean_question(question)
        name = " ".join(topic.split()) if isinstance(topic, str) else ""
        if not 1 <= len(name) <= 60:
            raise BadInput("请给出 1 到 60 个字的话题名称，例如“银行和金融”。")
        path = self.root / "out_of_scope.yml"

        def edit(original: str | None) -> str:
            data = _yaml().load(original) if original is not None else CommentedMap([("topics", CommentedSeq())])
            if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
                raise BadInput("out_of_scope.yml 的结构不对（需要 topics 列表），请先修好这个文件。")
            found = next((t for t in data["topics"] if isinstance(t, dict) and t.get("topic") == name), None)
            if found is None:
                data["topics"].append(CommentedMap([("topic", name), ("questions", CommentedSeq([text]))]))
            elif not _append_once(found["questions"], text):
                return original or ""
            return _dump(data)

        outcome = self._apply(path, edit, Outcome(False, "out_of_scope", text, name, self._shown(path)))
        if outcome.ok:
            self._after(outcome, "-", "out_of_scope", OUT_OF_SCOPE, user_name)
        return outcome

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def _apply(self, path: Path, edit: Callable[[str | None], str], outcome: Outcome) -> Outcome:
        """Edit the file, then validate and load everything; the former bytes come back on any failure."""
        with _folder_lock(self.root):
            original = path.read_bytes() if path.exists() else None
            new = edit(original.decode("utf-8") if original is not None else None)
            _write(path, new.encode("utf-8"))
            try:
                report = load_knowledge(self.root, self.catalog_engine())
            except KnowledgeInvalid as invalid:
                self._restore(path, original)
                outcome.problems = [{"file": p.file, "line": p.line, "message": p.message} for p in invalid.problems]
                return outcome
            except BaseException:
                self._restore(path, original)
                raise
        outcome.ok, outcome.changed = True, report.changed
        return outcome

    @staticmethod
    def _restore(path: Path, original: bytes | None) -> None:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            _write(path, original)

    def _after(self, outcome: Outcome, label: str, status: str, action: str, user_name: str) -> None:
        """Regression line, the question marked handled, the audit row."""
        self._add_regression(outcome.question, label)
        with self.engine.begin() as conn:
            conn.execute(update(store.questions).where(store.questions.c.text_key == text_key(outcome.question))
                         .values(status=status, resolution=outcome.target[:120], handled_by=user_name[:64],
                                 handled_at=self.clock()))
        self.audit.write(user_name, action, outcome.question[:60], "loaded", f"{outcome.kind} → {outcome.target}")

    def _add_regression(self, question: str, label: str) -> None:
        """``question<TAB>label`` in the regression file, replacing an earlier line for the same question."""
        path = self.regression_file
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else [REGRESSION_HEADER]
        kept = [line for line in lines if line.startswith("#") or line.split("\t", 1)[0] != question]
        kept.append(f"{question}\t{label}\n")
        _write(path, "".join(kept).encode("utf-8"))


def _append_once(questions: list[Any], text: str) -> bool:
    """Add the question to the list unless it is there already (placed twice: nothing to write); whether added."""
    if any(isinstance(q, str) and q.strip() == text for q in questions):
        return False
    questions.append(text)
    return True


def _dump(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()
