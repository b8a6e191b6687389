"""Round-trip YAML for the import: comments, quotes and layout of hand-written files survive a rewrite.

The edit helpers change round-trip containers in place, and only where a value really differs."""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

from bot.knowledge.source import plain

# affairs indent list items under their key ("  - "); office files start items at the margin ("- id:")
AFFAIR_LAYOUT = (4, 2)
OFFICE_LAYOUT = (2, 0)
WIDTH = 4096  # never fold long Chinese lines


class _Representer(RoundTripRepresenter):
    """Writes None as `null`, as the knowledge files do (ruamel's default writes nothing)."""


_Representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))


def layout_of(text: str, default: tuple[int, int]) -> tuple[int, int]:
    """The list layout of an existing file: items at the margin or indented under their key."""
    if re.search(r"^- ", text, re.MULTILINE):
        return OFFICE_LAYOUT
    if re.search(r"^  - ", text, re.MULTILINE):
        return AFFAIR_LAYOUT
    return default


def _yaml(layout: tuple[int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=layout[0], offset=layout[1])
    return yaml


def load(text: str) -> Any:
    """Parse YAML text into ruamel's commented containers."""
    return _yaml(AFFAIR_LAYOUT).load(text)


def dump(data: Any, layout: tuple[int, int]) -> str:
    """YAML text of `data` in the given list layout."""
    buffer = io.StringIO()
    _yaml(layout).dump(data, buffer)
    return buffer.getvalue()


# ---- editing round-trip containers --------------------------------------------------------------------------------

def flow(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def set_value(doc: CommentedMap, key: str, value: Any) -> None:
    """Set a field only when its value differs (so quoting and layout of equal values stay)."""
    if key not in doc or plain(doc[key]) != plain(value):
        doc[key] = value


def put(doc: CommentedMap, key: str, value: Any, after: tuple[str, ...] = (), before: tuple[str, ...] = (),
         keep_null: bool = False) -> None:
    """Set, add at a sensible place (after/before the first present key), or remove (value None) a field."""
    if value is None and not keep_null:
        if key in doc:
            del doc[key]
        return
    if key in doc:
        if isinstance(doc[key], CommentedMap) and isinstance(value, dict):
            replace_map(doc[key], value)
        else:
            set_value(doc, key, value)
        return
    keys = list(doc)
    position = len(keys)
    anchor = next((k for k in after if k in doc), None)
    if anchor is not None:
        position = keys.index(anchor) + 1
    else:
        anchor = next((k for k in before if k in doc), None)
        if anchor is not None:
            position = keys.index(anchor)
    doc.insert(position, key, value)


def replace_map(target: CommentedMap, value: dict[str, Any]) -> None:
    """Make a mapping hold exactly `value`, editing in place."""
    for key in [k for k in target if k not in value]:
        del target[key]
    for key, item in value.items():
        set_value(target, key, item)


def merge_parts(doc: CommentedMap, key: str, value: dict[str, Any], parts: tuple[str, ...]) -> None:
    """Replace the owned sub-fields of a nested field (time_limit, fee, online); keep the hand-written ones."""
    target = doc.get(key)
    if not isinstance(target, CommentedMap):
        doc[key] = dict(value)
        return
    for part in parts:
        if part in value:
            set_value(target, part, value[part])
        elif part in target:
            del target[part]


