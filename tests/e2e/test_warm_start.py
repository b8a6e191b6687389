"""The action server builds its catalog and resolver before it answers, so no first citizen waits for them."""

from __future__ import annotations

import re

from tests.conftest import Stack


def test_the_action_server_is_warm_before_its_health_check_answers(stack: Stack) -> None:
    log = stack.actions.log.read_text(encoding="utf-8", errors="replace")
    ready = re.search(r"catalog and resolver ready: (\d+) affairs", log)
    assert ready and int(ready.group(1)) >= 60, log[-2000:]
