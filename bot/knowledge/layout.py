"""How a knowledge file's lists are indented, checked as warnings (file:line).

A file may put list items at the margin of their key (offices) or indent them under it (affairs); either is
fine, but one file should use one way. The console and the importer write a file back in one layout, so a
file that mixes two has every list of the other kind re-indented on the next edit: a diff far larger than the
question the maintainer added, and a file no longer kept as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.knowledge.source import Problem, SourceFile
from bot.knowledge.validate import KnowledgeFiles


def list_indents(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Each block list under a key, as its path and how far its items stand right of the key (columns)."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
                yield (*path, key), value.lc.item(0)[1] - node.lc.key(key)[1]
            yield from list_indents(value, (*path, key))
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            yield from list_indents(item, (*path, index))


def check_file(source: SourceFile) -> list[Problem]:
    """A warning at each list indented otherwise than most lists of its file."""
    indents = list(list_indents(source.data))
    usual = Counter(indent for _, indent in indents).most_common(1)
    if not usual:
        return []
    expected = usual[0][0]
    return [Problem(source.display, source.line_of([*path, 0]),
                    f"这个列表的各项比上一行的键多缩进 {indent} 格，本文件其他列表是 {expected} 格：请改成一样，"
                    f"否则控制台或导入下次写回这个文件时，会把缩进不同的列表全部改写")
            for path, indent in indents if indent != expected]


def check(files: KnowledgeFiles) -> list[Problem]:
    """Layout warnings for every parsed knowledge file, in file order."""
    return [warning for source in files.all_files() if source.data is not None
            for warning in check_file(source)]
