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


def test_a_save_after_a_read_stores_exactly_the_new_events_without_counting(tmp_path) -> None:
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import event

    store = SQLTrackerStore(Domain.from_yaml("version: '3.1'\nintents: [greet]\n"), dialect="sqlite",
                            db=str(tmp_path / "tracker.db"))
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def texts(tracker) -> list[str]:
        return [e.text for e in tracker.events if isinstance(e, UserUttered)]

    first = DialogueStateTracker.from_events("s", [ActionExecuted("action_session_start"), SessionStarted(),
                                                   UserUttered("身份证丢了", {"name": "greet"})])
    asyncio.run(store.save(first))  # never read: counted by the query, as in Rasa
    assert any("count(" in s.lower() for s in statements)

    statements.clear()
    tracker = asyncio.run(store.retrieve("s"))
    tracker.update(UserUttered("杭州市西湖区", {"name": "greet"}))
    asyncio.run(store.save(tracker))
    assert not any("count(" in s.lower() for s in statements)  # the number read is used instead
    assert texts(asyncio.run(store.retrieve("s"))) == ["身份证丢了", "杭州市西湖区"]

    statements.clear()
    tracker.update(UserUttered("谢谢", {"name": "greet"}))
    asyncio.run(store.save(tracker))  # a second save of the same tracker: counted again
    assert any("count(" in s.lower() for s in statements)
    assert texts(asyncio.run(store.retrieve("s"))) == ["身份证丢了", "杭州市西湖区", "谢谢"]

    renewed = asyncio.run(store.retrieve("s"))  # a new session inside a turn: only the new events are stored
    renewed.update(ActionExecuted("action_session_start"))
    renewed.update(SessionStarted())
    renewed.update(UserUttered("公积金怎么取", {"name": "greet"}))
    asyncio.run(store.save(renewed))
    everything = texts(asyncio.run(store.retrieve_full_tracker("s")))
    assert everything == ["身份证丢了", "杭州市西湖区", "谢谢", "公积金怎么取"]


def test_an_endpoint_keeps_its_connection_across_calls() -> None:
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    async def scenario() -> tuple[set, list]:
        peers, tokens = set(), []

        async def webhook(request: web.Request) -> web.Response:
            peers.add(request.transport.get_extra_info("peername")[1])  # the client's port: one per connection
            tokens.append(request.headers.get("X-Action-Token"))
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Action-Token": "secret"})
        try:
            for _ in range(3):
                assert await endpoint.request(json={"next_action": "action_x"}) == {"events": [], "responses": []}
        finally:
            for kept in vars(endpoint).get("_onevisit_sessions", {}).values():
                await kept.close()
            await runner.cleanup()
        return peers, tokens

    peers, tokens = asyncio.run(scenario())
    assert len(peers) == 1  # three calls, one connection
    assert tokens == ["secret"] * 3
