"""Derived files: from the knowledge, the jieba user dictionary and the district patterns of the entity
extractor; from the intent examples in data/nlu/, their typed-pinyin copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.entities.places import PATTERNS_FILE, patterns_jsonl
from bot.knowledge.pinyin_examples import NLU_DIR, PINYIN_FILE, pinyin_nlu
from bot.knowledge.source import plain
from bot.knowledge.validate import KnowledgeFiles

HEADER = "# 本文件由 `python -m bot knowledge build` 从 knowledge/ 生成，请勿手工修改。"
PINYIN_HEADER = "# 本文件由 `python -m bot knowledge build` 从 data/nlu/ 的例句生成（打拼音的写法），请勿手工修改。"
JIEBA_FILE = Path("data/jieba/userdict.txt")
ENTITY_PATTERNS_FILE = PATTERNS_FILE


def affair_words(affairs: list[dict[str, Any]]) -> list[str]:
    """Names, short names, aliases and keywords: words jieba must keep whole."""
    words: set[str] = set()
    for affair in affairs:
        for text in [affair.get("short_name"), *(affair.get("aliases") or []), *(affair.get("keywords") or [])]:
            if text and len(text) >= 2 and " " not in text:
                words.add(text)
    return sorted(words)


def place_names(places: dict[str, Any]) -> list[tuple[str, str]]:
    """(full name, alias) pairs of every city and county, alias == name for the name itself."""
    pairs = []
    for city in places.get("cities", []):
        for item in [city, *city.get("counties", [])]:
            pairs.append((item["name"], item["name"]))
            pairs += [(item["name"], alias) for alias in item.get("aliases") or [] if alias != item["name"]]
    return pairs


def jieba_dictionary(affairs: list[dict[str, Any]], places: dict[str, Any]) -> str:
    """The jieba user dictionary: one `word frequency` a line."""
    words = set(affair_words(affairs)) | {alias for _, alias in place_names(places) if len(alias) >= 2}
    lines = [HEADER] + [f"{w} 2000" for w in sorted(words)]
    return "\n".join(lines) + "\n"


def derived_files(files: KnowledgeFiles, project_root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every derived file (relative to the project root) with its content."""
    affairs = [plain(f.data) for f in files.affairs if f.data is not None]
    places = plain(files.places.data) if files.places and files.places.data else {}
    return {JIEBA_FILE: jieba_dictionary(affairs, places),
            ENTITY_PATTERNS_FILE: patterns_jsonl(places, note=HEADER.removeprefix("# ")),
            PINYIN_FILE: pinyin_nlu(project_root / NLU_DIR, PINYIN_HEADER)}


def stale_files(files: KnowledgeFiles, project_root: Path) -> list[Path]:
    """Derived files whose content on disk differs from what the knowledge gives."""
    stale = []
    for rel, content in derived_files(files, project_root).items():
        path = project_root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(rel)
    return stale


def write_derived(files: KnowledgeFiles, project_root: Path) -> list[Path]:
    """Write the derived files that changed; return them."""
    contents = derived_files(files, project_root)
    written = []
    for rel, content in contents.items():
        path = project_root / rel
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(rel)
    return written
