"""`make eval`: NLU cross-validation (rasa test nlu) and the resolver's dev score, in one report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "eval"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
DEV = ROOT.parent / "shared" / "eval" / "dev.tsv"


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


def dev_score() -> str:
    """The shared scorer's summary line and misses."""
    if not SCORER.exists():
        return "（未找到 ../shared/eval/score.py，跳过）"
    result = run([sys.executable, str(SCORER), str(DEV), "--cmd", f"{ROOT / '.venv/bin/python'} -m bot resolve --json"],
                 capture=True)
    return result.stdout.strip()


def main() -> int:
    """Write var/eval/report.md and print it."""
    OUT.mkdir(parents=True, exist_ok=True)
    folds = int(os.environ.get("EVAL_FOLDS", "5"))
    nlu = nlu_cross_validation(folds)
    lines = ["# OneVisit evaluation", "", f"## NLU intent classification ({folds}-fold cross-validation)", "",
             f"Intent macro F1: **{nlu['macro_f1']:.3f}** (target ≥ 0.9)", "", "| intent | F1 |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in sorted(nlu["per_intent"].items(), key=lambda kv: kv[1])]
    lines += ["", "## Resolver on ../shared/eval/dev.tsv", "", "```", dev_score(), "```", ""]
    report = "\n".join(lines)
    (OUT / "report.md").write_text(report, encoding="utf-8")
    print(report)
    return 0 if nlu["macro_f1"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
