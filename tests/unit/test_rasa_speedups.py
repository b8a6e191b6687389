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


def test_events_resolve_to_the_classes_rasa_finds() -> None:
    from rasa.shared.core.events import Event, SlotSet, UserUttered
    from rasa.shared.utils.common import all_subclasses

    for cls in all_subclasses(Event):
        if getattr(cls, "type_name", None):
            first = next(c for c in all_subclasses(Event) if c.type_name == cls.type_name)
            assert Event.resolve_by_type(cls.type_name) is first
            assert Event.resolve_by_type(cls.type_name) is first  # remembered, the same
    assert Event.resolve_by_type("user") is UserUttered and Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    events = [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "slot", "name": "district", "value": "330106"}]
    assert [type(e) for e in (Event.from_parameters(p) for p in events)] == [UserUttered, SlotSet]
