"""The routing count of `make eval`: the trained model's first action for each labelled question."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.evaluation import Labelled
from bot.rasa_runtime.routing import RoutingTally, table
from tests.e2e.stack import MODEL, ROOT


def _row(text: str, expect: str) -> Labelled:
    return Labelled("t.tsv", 1, text, expect)


def test_a_tally_counts_in_and_out_of_scope_questions_that_skip_the_resolver_apart() -> None:
    tally = RoutingTally("s")
    tally.add(_row("身份证丢了", "id-card-reissue"), "action_resolve_affair")
    tally.add(_row("身份证丢了交多少钱", "id-card-reissue"), "action_answer_detail")
    tally.add(_row("你好呀", "id-card-reissue"), "utter_greet")
    tally.add(_row("你好", "-"), "utter_greet")
    tally.add(_row("银行卡怎么注销", "-"), "action_resolve_affair")
    assert (tally.in_scope, tally.missed, dict(tally.elsewhere)) == (3, 1, {"utter_greet": 1})
    assert (tally.out_of_scope, tally.outside_missed, dict(tally.outside_elsewhere)) == (2, 1, {"utter_greet": 1})
    assert table([tally])[-1] == "| **all** | 3 | 1 | 33.3 | utter_greet 1 | 2 | 1 | 50.0 | utter_greet 1 |"


def test_the_trained_model_routes_questions_as_a_conversation_would(tmp_path: Path) -> None:
    assert MODEL.exists(), "models/onevisit.tar.gz is missing: run `make train` (make test does it)"
    questions = tmp_path / "routing.tsv"
    questions.write_text("# a small set\n"
                         "身份证丢了怎么补办\tid-card-reissue\n"      # an affair question: the resolver
                         "办护照要交多少钱\tpassport\n"                # a fee question: the detail action resolves it
                         "我想查一下我的办件进度\tid-card-reissue\n"   # in scope, but it starts the case lookup
                         "你好\tid-card-reissue\n"                     # ... and this one is greeted
                         "谢谢你\t-\n"                               # out of scope, and thanked
                         "驾照被扣了9分，交管12123上学习减分咋弄\t-\n",  # out of scope: the resolver declines it
                         encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.rasa_runtime.routing", str(MODEL), str(questions)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| routing.tsv")]
    assert rows == ["| routing.tsv | 4 | 2 | 50.0 | case_form 1, utter_greet 1 "
                    "| 2 | 1 | 50.0 | utter_you_are_welcome 1 |"]
