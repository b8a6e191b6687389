"""`make eval`: the resolver on every held-out set and on the dev set, how many of those questions reach it in
a conversation, how replies to situation questions, to a choice of affairs and questions about another affair
mid-form are taken, then NLU cross-validation.

The held-out sets (eval/heldout/) are never read by training, the lexicon or threshold calibration;
eval/README.md has the procedure that keeps it so. Set EVAL_NLU=0 to skip the (slow) NLU part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "eval"
DEV = ROOT.parent / "shared" / "eval" / "dev.tsv"
HELD_OUT = ROOT / "eval" / "heldout"
MODEL = ROOT / "models" / "onevisit.tar.gz"
SITUATIONS = ROOT / "eval" / "situations"
TURNS = ROOT / "eval" / "turns"


def run(command: list[str], capture: bool = False) -> subprocess.CompletedProcess:
    """Run a command from the project root; its progress is shown unless the output is captured."""
    print("==>", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, capture_output=capture, text=True, env={**os.environ,
                          "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})


def nlu_cross_validation(folds: int) -> dict:
    """Intent macro F1 and per-intent F1 from rasa's cross-validation report."""
    result = run([str(ROOT / ".venv/bin/rasa"), "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
                  "--cross-validation", "--folds", str(folds), "--out", str(OUT / "nlu")])
    if result.returncode != 0:
        raise SystemExit("rasa test nlu failed")
    report = json.loads((OUT / "nlu" / "intent_report.json").read_text(encoding="utf-8"))
    per_intent = {k: v["f1-score"] for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    return {"macro_f1": report["macro avg"]["f1-score"], "per_intent": per_intent}


def targets() -> list[str]:
    """Every held-out set (a directory each) and the dev set."""
    sets = sorted(p for p in HELD_OUT.iterdir() if p.is_dir()) if HELD_OUT.exists() else []
    return [str(p) for p in sets] + ([str(DEV)] if DEV.exists() else [])


def held_out() -> list[str]:
    """The resolver's table on every held-out set (one row per file, one per set) and on dev."""
    print("==> 事项识别：留出集和开发集", flush=True)
    result = run([str(ROOT / ".venv/bin/python"), "-m", "bot", "eval", "--misses", *targets()], capture=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    table, misses = [], []
    for line in result.stdout.splitlines():
        (table if line.startswith("|") else misses).append(line)
    (OUT / "misses.txt").write_text("\n".join(misses) + "\n", encoding="utf-8")
    return ["## Resolver on held-out sets and dev", "", *table, "",
            f"Questions not answered right: {len(misses)}, listed in var/eval/misses.txt.", ""]


def table_of(module: str, *arguments: str) -> list[str]:
    """The markdown table lines a `python -m <module>` run prints; its error ends the report."""
    result = run([str(ROOT / ".venv/bin/python"), "-m", module, *arguments], capture=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return [line for line in result.stdout.splitlines() if line.startswith("|")]


def routing() -> list[str]:
    """Per set, the in-scope and the out-of-scope questions the trained model's first action does not send to the
    resolver."""
    print("==> 对话路由：办事问题是否交给了事项识别", flush=True)
    table = table_of("bot.rasa_runtime.routing", str(MODEL), *targets())
    return ["## In a conversation: questions that never reach the resolver", "",
            "The trained model's first action for each question opening a conversation. The table above scores the",
            "resolver alone; an in-scope question counted here is answered by something else (a greeting, the case",
            "lookup ...) before the resolver sees it, and an out-of-scope one is not declined",
            "(不在我能办理的范围内).", "", *table, ""]


def situation_replies() -> list[str]:
    """Per set of labelled replies, how a situation question in a conversation reads them."""
    print("==> 情形问题：群众自己的话能否读懂", flush=True)
    table = table_of("bot.situation_eval", *sorted(str(p) for p in SITUATIONS.glob("*.tsv")))
    return ["## Replies to situation questions", "",
            "Each reply is given to its question in a conversation: right, another option recorded (wrong), asked",
            "again (not understood), or taken as another affair (switched). `not asked` counts replies to a question",
            "no conversation reaches first (a preference, or one a bundle settles itself); right % leaves them out.",
            "", *table, ""]


def turn_replies() -> list[str]:
    """Per set, how replies to a choice of affairs and questions about another affair mid-form are taken."""
    print("==> 选择与插问：回复选项、问卷中途问别的事", flush=True)
    lines = table_of("bot.turn_eval", *sorted(str(p) for p in TURNS.glob("*.tsv")))
    second = next((i for i, line in enumerate(lines) if i and line.startswith("| set |")), len(lines))
    table = [*lines[:second], "", *lines[second:]]  # two tables: choices, then digressions
    return ["## Replies to a choice of affairs, and other affairs asked about mid-form", "",
            "Each message goes straight to the dialogue. Replies to a choice: the affair meant picked (or 都不是",
            "taken as such), another picked, the choices offered again, or nothing taken. Questions about another",
            "affair while the current one's first situation question is pending: switched to it, offered a choice",
            "holding it, left in the form, or wrong.", "", *table, ""]


def main() -> int:
    """Write var/eval/report.md and print it."""
    OUT.mkdir(parents=True, exist_ok=True)
    lines = ["# OneVisit evaluation", "", *held_out(), *routing(), *situation_replies(), *turn_replies()]
    print("\n".join(lines), flush=True)
    status = 0
    if os.environ.get("EVAL_NLU", "1") != "0":
        folds = int(os.environ.get("EVAL_FOLDS", "5"))
        nlu = nlu_cross_validation(folds)
        lines += [f"## NLU intent classification ({folds}-fold cross-validation)", "",
                  f"Intent macro F1: **{nlu['macro_f1']:.3f}** (target ≥ 0.9)", "", "| intent | F1 |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in sorted(nlu["per_intent"].items(), key=lambda kv: kv[1])]
        status = 0 if nlu["macro_f1"] >= 0.9 else 1
    report = "\n".join(lines)
    (OUT / "report.md").write_text(report, encoding="utf-8")
    print(report)
    return status


if __name__ == "__main__":
    sys.exit(main())
