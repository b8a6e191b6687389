"""The Rasa speed-ups change no result: action-server answers are validated as Rasa validates them."""

from __future__ import annotations

import subprocess
import sys

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa_runtime import speedups

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "affair", "value": "id-card-reissue", "timestamp": None},
                {"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}],
     "responses": [{"text": "好的", "buttons": [{"title": "是", "payload": "/affirm"}]}]},
    {"events": [{"event": "bot", "text": "您好", "data": {"custom": {"type": "onevisit.guide"}}}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "x"}]},  # no "event"
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"responses": "nope"},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    speedups.install()


@pytest.mark.parametrize("result", VALID)
def test_a_valid_answer_passes_as_with_rasa(result: dict) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())  # Rasa's own check accepts it
    assert RemoteAction("action_x", None)._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_fails_as_with_rasa(result: dict) -> None:
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_x", None)._validate_action_result(result)
    assert ours.value.message.startswith(rasa_error.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_entry_point_is_the_rasa_command() -> None:
    shown = subprocess.run([sys.executable, "-m", "bot.rasa_runtime", "run", "--help"], capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "--endpoints" in shown.stdout and "--credentials" in shown.stdout
