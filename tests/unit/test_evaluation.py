"""The evaluation table: sets scored together, and how far one set's shares can be trusted."""

from __future__ import annotations

import re

import pytest

from bot.evaluation import Labelled, pooled, score, table, wilson_interval
from bot.resolver.resolver import Resolution


def test_the_wilson_interval_of_a_share():
    """The textbook values: 50 of 100 reads 40.4–59.6 %; none of 20 still leaves up to 16.1 %; nothing scored
    says nothing (0–100 %)."""
    assert wilson_interval(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert wilson_interval(20, 20) == pytest.approx((0.8389, 1.0), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(6, 375)  # a held-out set of a few hundred: wrong 1.6 %, read to within a point
    assert low < 0.016 < high and high - low > 0.015


def test_pooled_sets_add_their_counts():
    decisions = {"q1": Resolution("a"), "q2": Resolution(None), "q3": Resolution(None, ["a", "b"]),
                 "q4": Resolution("b"), "q5": Resolution(None, ["a", "b"])}
    first = score([Labelled("x.tsv", 1, "q1", "a"), Labelled("x.tsv", 2, "q2", "-"),
                   Labelled("x.tsv", 3, "q3", "-")], lambda text: decisions[text], "x")
    second = score([Labelled("y.tsv", 1, "q4", "a"), Labelled("y.tsv", 2, "q5", "?a|b")],
                   lambda text: decisions[text], "y")
    together = pooled([first, second], "both")
    assert (together.total, together.right, together.outside, together.declined) == (5, 3, 2, 1)
    assert len(together.misses) == 2
    assert table([together]).splitlines()[2] == "| both | 5 | 0 | 3 | 0 | 2 | 1 | 60.0% | 40.0% | 50.0% |"
    assert (first.total, second.total) == (3, 2)  # the sets themselves are left as they were


def _row_counts(line: str) -> list[int]:
    """questions, in training, right, asked, wrong, abstained of one table row."""
    return [int(cell) for cell in line.split("|")[2:8]]


def test_the_eval_command_adds_a_row_for_its_folders_together(tmp_path, capsys, catalog):
    """Scoring several folders ends with a row for all of them together and the 95 % intervals of its shares;
    its counts are the folders' counts added. A single folder gets no such row."""
    from bot.cli import main

    affairs = sorted(catalog.phrasings)
    for name, picked in (("one", affairs[:2]), ("two", affairs[2:5])):
        folder = tmp_path / name
        folder.mkdir()
        lines = [f"{catalog.phrasings[a][0]}\t{a}" for a in picked] + ["明天杭州会下雨吗\t-"]
        (folder / "questions.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["eval", "--files", str(tmp_path / "one"), str(tmp_path / "two")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| **")]
    assert [r.split("|")[1].strip().split(" (")[0] for r in rows] == ["**one**", "**two**", "**the 2 sets together**"]
    one, two, both = (_row_counts(r) for r in rows)
    assert both == [a + b for a, b in zip(one, two, strict=True)] and both[0] == 7
    right = both[2] / both[0]
    low, high = (float(x) / 100 for x in re.search(r"right ([\d.]+)%–([\d.]+)%", rows[2]).groups())
    assert low <= right <= high and high - low > 0.1  # seven questions say little
    assert main(["eval", "--files", str(tmp_path / "one")]) == 0
    assert "together" not in capsys.readouterr().out
