"""Typed-pinyin copies of the intent examples in data/nlu/, so that the intent classifier reads a message typed
in pinyin (gongjijin zenme qu, ni hao) as it reads the same message in characters.

People who cannot type a word write it in toneless pinyin, a word at a time (shenfenzheng diule zenme bu).
Without such examples the classifier had never seen a latin letter in a question and sent those messages to
greetings or thanks, so the resolver, which reads pinyin, never saw them. Each example with Chinese in it is
written once more: jieba's words, each as its joined toneless syllables, separated by spaces; entity
annotations are dropped (entities come from the EntityRuler, not from the classifier).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ruamel.yaml import YAML

NLU_DIR = Path("data/nlu")
PINYIN_FILE = NLU_DIR / "pinyin.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_PUNCTUATION = re.compile(r"[\s，。？！、；：,.?!;:（）()“”\"'…~～]+")


def typed_in_pinyin(example: str) -> str:
    """The example as typed in pinyin: 公积金怎么取 → gongjijin zenme qu (other characters kept as they are)."""
    import jieba
    from pypinyin import Style, lazy_pinyin

    text = without_annotations(example)
    words = []
    for word in jieba.lcut(text):
        if _PUNCTUATION.fullmatch(word):
            continue
        words.append("".join(lazy_pinyin(word, style=Style.NORMAL)) if _HAN.search(word) else word.strip())
    return " ".join(w for w in words if w)


def intent_examples(nlu_dir: Path, with_pinyin: bool = False) -> dict[str, list[str]]:
    """Every intent's examples in the NLU files of `nlu_dir`, in file and line order (the pinyin file aside,
    unless `with_pinyin`), entity annotations as written."""
    found: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.name == PINYIN_FILE.name and not with_pinyin:
            continue
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                lines = str(block.get("examples") or "").splitlines()
                found.setdefault(str(block["intent"]), []).extend(
                    line.strip()[2:].strip() for line in lines if line.strip().startswith("- "))
    return found


def pinyin_nlu(nlu_dir: Path, header: str) -> str:
    """The generated NLU file: per intent, the pinyin of each example that has Chinese in it, once, unless
    an example of another intent reads the same in pinyin."""
    typed = {intent: [t for t in dict.fromkeys(typed_in_pinyin(e) for e in examples if _HAN.search(e)) if t]
             for intent, examples in intent_examples(nlu_dir).items()}
    intents_of = Counter(t for examples in typed.values() for t in examples)
    lines = [header, 'version: "3.1"', "", "nlu:"]
    for intent, examples in typed.items():
        kept = [t for t in examples if intents_of[t] == 1]  # pinyin that two intents share teaches nothing
        if kept:
            lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in kept), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def without_annotations(example: str) -> str:
    """The example as a person types it: [余杭区](district) → 余杭区."""
    return _ANNOTATION.sub(r"\1", example)
