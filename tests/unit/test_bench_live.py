"""The maintainers'-loop benchmark: it times a real placement in a copy, and says so when the loop never closes."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bench.__main__ import live_table
from bench.live import PLACEMENTS, Placement, measure_live
from tests.trimmed_knowledge import copy_trimmed


def test_a_placed_question_is_timed_until_the_polling_resolver_decides_it(tmp_path: Path) -> None:
    question, affair = PLACEMENTS[0]
    knowledge = copy_trimmed(tmp_path / "knowledge")  # the loop is the point, not the whole knowledge's fit
    phrasings = knowledge / "phrasings" / f"{affair}.yml"
    before = phrasings.read_bytes()

    [placement] = measure_live(knowledge, interval=0.2, placements=[(question, affair)])

    assert (placement.question, placement.affair) == (question, affair)
    assert not placement.decided_before  # the figure measures a question the running resolver did not know
    assert placement.live is not None
    assert 0 < placement.assign <= placement.live
    assert phrasings.read_bytes() == before  # the placement went into a temporary copy


def render(table: object) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_the_table_marks_a_loop_that_never_closed_and_one_over_the_target() -> None:
    text = render(live_table([Placement("问法甲", "a", False, 0.3, None), Placement("问法乙", "b", False, 0.3, 7.5),
                              Placement("问法丙", "c", False, 0.3, 1.25)], interval=2.0))
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if "问法" in line}
    assert "never" in rows["问法甲"] and "NOT met" in rows["问法甲"]
    assert "7.50" in rows["问法乙"] and "NOT met" in rows["问法乙"]
    assert "1.25" in rows["问法丙"] and "NOT met" not in rows["问法丙"] and "met" in rows["问法丙"]

