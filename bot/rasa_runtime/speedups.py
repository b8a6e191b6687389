"""Work that Rasa 3.6 repeats on every turn, done once instead; the results are the same.

- Every answer of the action server is checked against Rasa's response schema with `jsonschema.validate`, which
  first checks the schema itself against the JSON Schema meta-schema: about 16 ms of CPU per action call, more
  than half of a turn's time in Rasa. Here the schema is checked once and its validator kept; each answer is
  still validated in full (about 0.5 ms), and an invalid one raises the same `ValidationError` with the same
  message.
- Every event read from the tracker store or an action answer finds its class with `Event.resolve_by_type`, which
  walks every subclass of `Event` (and asks `inspect.isabstract` of each) per event: about 6 % of a turn. Here
  the class found for a type name is remembered; unknown names still go the original way (and fail the same).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

_installed = False


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    """The validator of Rasa's action-server response schema, the schema checked once."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with a validator built once (same checks, same errors)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
    raise error


def remembering_resolve_by_type(original: Callable[..., Any]) -> Callable[..., Any]:
    """`Event.resolve_by_type` that remembers the class it found for each type name."""
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if type_name in found:
            return found[type_name]
        cls = original(type_name, None) if default is None else original(type_name, default)
        if cls is not None and cls is not default:
            found[type_name] = cls
        return cls

    return resolve_by_type


def install() -> None:
    """Apply the speed-ups to the Rasa classes of this process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(remembering_resolve_by_type(Event.resolve_by_type))  # type: ignore
    _installed = True
