"""Reading knowledge YAML files while keeping the line of every value, for error messages."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml import nodes as ruamel_nodes
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, StreamMark


@dataclass(frozen=True)
class Problem:
    """One mistake in a knowledge file: where it is and what to do about it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class SourceFile:
    """A parsed YAML file; `data` is None when the YAML itself is broken."""

    path: Path
    display: str
    data: Any = None
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Iterable[Any]) -> int:
        """1-based line of the value at `path` (keys and indexes), or of its nearest parent."""
        node, line = self.data, 1
        for step in path:
            if isinstance(node, CommentedMap) and step in node:
                line = node.lc.key(step)[0] + 1
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                line = node.lc.item(step)[0] + 1
                node = node[step]
            else:
                break
        return line

    def problem(self, path: Iterable[Any], message: str) -> Problem:
        """A problem located at `path` in this file."""
        found = Problem(self.display, self.line_of(path), message)
        self.problems.append(found)
        return found


_STR_TAG = "tag:yaml.org,2002:str"


def load_round_trip(text: str) -> Any:
    """`text` as ruamel's round-trip containers, with the line, column and flow style of every value.

    libyaml (PyYAML's C parser) reads the text and ruamel's round-trip constructor builds the containers, with
    YAML 1.2 types as ruamel's own loader gives them (yes, on and 8:30 stay text). Values, types, flow style and
    the positions of keys and list items are those of ``YAML(typ="rt").load``, several times faster. Comments are
    dropped (no reader uses them), and an empty value is placed after its colon, not at the next line.
    Raises PyYAML's or ruamel's MarkedYAMLError when the text is not YAML or a mapping repeats a key.
    """
    composed = pyyaml.compose(text, Loader=pyyaml.CSafeLoader)
    if composed is None:
        return None
    reader = YAML(typ="rt")
    return reader.constructor.construct_document(_NodeCopier(reader.resolver).copy(composed))


class _NodeCopier:
    """Copies a libyaml node tree into ruamel's nodes, typing plain scalars by YAML 1.2 (ruamel's resolver)."""

    def __init__(self, resolver: Any):
        self.resolver = resolver
        self.yaml11 = pyyaml.resolver.Resolver()
        self.copied: dict[int, ruamel_nodes.Node] = {}

    def copy(self, node: pyyaml.Node) -> ruamel_nodes.Node:
        """The ruamel node of `node`; an alias stays one shared node."""
        if id(node) in self.copied:
            return self.copied[id(node)]
        start, end = _mark(node.start_mark), _mark(node.end_mark)
        if isinstance(node, pyyaml.ScalarNode):
            style = node.style or None  # libyaml writes a plain scalar's style as ""
            copy: ruamel_nodes.Node = ruamel_nodes.ScalarNode(self._tag(node, style), node.value, start, end,
                                                              style=style)
            self.copied[id(node)] = copy
            return copy
        kind = ruamel_nodes.SequenceNode if isinstance(node, pyyaml.SequenceNode) else ruamel_nodes.MappingNode
        copy = kind(node.tag, [], start, end, flow_style=node.flow_style)
        self.copied[id(node)] = copy
        if isinstance(node, pyyaml.SequenceNode):
            copy.value = [self.copy(item) for item in node.value]
        else:
            copy.value = [(self.copy(key), self.copy(value)) for key, value in node.value]
        return copy

    def _tag(self, node: pyyaml.ScalarNode, style: str | None) -> str:
        """An explicit tag as written; otherwise YAML 1.2's type of a plain scalar, or text when quoted."""
        if node.tag != self.yaml11.resolve(pyyaml.ScalarNode, node.value, (style is None, style is not None)):
            return node.tag
        if style is None:
            return self.resolver.resolve(ruamel_nodes.ScalarNode, node.value, (True, False))
        return _STR_TAG


def _mark(mark: Any) -> StreamMark:
    return StreamMark(None, mark.index, mark.line, mark.column)


class _ParseCache:
    """Parsed documents by the SHA-256 of their text, most recent last (a bounded LRU).

    Parsing with every line kept still costs a moment for the whole knowledge folder; a process that loads
    the knowledge again after one file changed (the maintainers' loop) re-parses only that file. The documents
    are shared, so readers must not change them (none does: validation and loading read them).
    """

    def __init__(self, size: int = 2048):
        self.size = size
        self._documents: OrderedDict[bytes, Any] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, text: str) -> Any:
        """The document of `text`; MarkedYAMLError when it is not YAML (never cached)."""
        key = hashlib.sha256(text.encode("utf-8")).digest()
        with self._lock:
            if key in self._documents:
                self._documents.move_to_end(key)
                return self._documents[key]
        document = load_round_trip(text)
        with self._lock:
            self._documents[key] = document
            while len(self._documents) > self.size:
                self._documents.popitem(last=False)
        return document


_parsed = _ParseCache()


def read_yaml(path: Path, root: Path) -> SourceFile:
    """Parse one file; a YAML syntax error becomes a problem with its line."""
    try:
        display = str(path.relative_to(root.parent))
    except ValueError:
        display = str(path)
    source = SourceFile(path=path, display=display)
    try:
        source.data = _parsed.parse(path.read_text(encoding="utf-8"))
    except (MarkedYAMLError, pyyaml.MarkedYAMLError) as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        source.problems.append(Problem(display, line, f"YAML 格式错误：{error.problem}。请检查缩进、冒号和引号。"))
    except (OSError, UnicodeDecodeError) as error:
        source.problems.append(Problem(display, 1, f"无法读取文件：{error.__class__.__name__}"))
    return source


def plain(value: Any) -> Any:
    """Turn ruamel's commented containers into plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
