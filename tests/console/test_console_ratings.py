"""好差评: one rating per answer, checked values, masked text, the summary and the low-rated questions."""

from __future__ import annotations

import pytest
from console_helpers import ConsoleFactory
from sqlalchemy import select

from bot.console import store
from bot.console.errors import BadInput
from bot.console.ratings import LEVELS, REASONS, AlreadyRated


def test_one_rating_per_answer_and_the_summary(db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url)
    ratings = console.services.ratings
    first = ratings.record("ans-1", 1, "id-card-reissue", "web", "330106", [], None, "身份证丢了怎么补办")
    assert first.label == "非常满意"
    with pytest.raises(AlreadyRated) as refused:
        ratings.record("ans-1", 5, "id-card-reissue", "web", "330106", ["其他"], "改主意了")
    assert "已经评价过" in refused.value.message
    ratings.record("ans-2", 4, "id-card-reissue", "wechat", "330106", ["材料说得不清楚", "材料说得不清楚"],
                   "我电话13812345678，材料写得看不懂", "补办身份证要带什么")
    ratings.record("ans-3", 5, "passport", "web", "", ["地点或时间不对"], None, "补办身份证要带什么")
    ratings.record("ans-4", 3, "passport", "web", "", None)

    with console.services.engine.connect() as conn:
        stored = {r.answer_id: r for r in conn.execute(select(store.ratings))}
    assert stored["ans-1"].level == 1 and len(stored) == 4
    assert "13812345678" not in stored["ans-2"].text and "138********" in stored["ans-2"].text
    assert stored["ans-2"].reasons == ["材料说得不清楚"]

    answer = console.supervisor.get("/api/ratings").json()
    summary = answer["summary"]
    assert summary["total"] == 4 and summary["satisfaction"] == 50.0  # levels 1 and 3 of four
    assert {r["reason"]: r["count"] for r in summary["reasons"]}["地点或时间不对"] == 1
    assert [lv["label"] for lv in answer["levels"]] == list(LEVELS.values()) and answer["reasons"] == list(REASONS)
    low = console.maintainer.get("/api/ratings", low="1").json()["recent"]
    assert sorted(r["answer_id"] for r in low) == ["ans-2", "ans-3"]

    questions = console.maintainer.get("/api/analytics/questions", kind="low_rated").json()["questions"]
    assert [(q["text"], q["count"]) for q in questions] == [("补办身份证要带什么", 2)]


def test_bad_ratings_are_refused(sqlite_url: str, start_console: ConsoleFactory) -> None:
    ratings = start_console(sqlite_url).services.ratings
    for level in (0, 6, "1", True, 2.0):
        with pytest.raises(BadInput):
            ratings.record("x", level, "passport", "web", "", [])  # type: ignore[arg-type]
    with pytest.raises(BadInput):
        ratings.record("x", 4, "passport", "web", "", ["太慢了"])
    with pytest.raises(BadInput):
        ratings.record("", 4, "passport", "web", "", [])
    with pytest.raises(BadInput):
        ratings.record("y" * 129, 4, "passport", "web", "", [])
    assert ratings.record("x", 2, "passport", "web", "", []).level == 2  # nothing was stored by the refusals
