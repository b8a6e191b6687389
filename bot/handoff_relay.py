"""The handoff relay for the messaging channels (WeChat, WeCom): what the edge does for the web page.

While a citizen has an open handoff ticket (queued or taken), each of their messages also goes to the agent's
desk, masked as Rasa gets it, with `bot.edge.handoff.relay`; Rasa, paused, answers nothing, so the person hears
where they stand instead (`bot.edge.handoff.status_replies`, the web page's very words). The message still goes
to Rasa as well: the tracker keeps the conversation and /restart works while paused. A desk or database error
never costs the message: `relay` then answers None and the turn runs as usual.

`relaying(on_new_message)` wraps the Rasa turn handler a channel gets in ``blueprint()``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.edge.handoff import relay, status_replies

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

OnNewMessage = Callable[["UserMessage"], Awaitable[Any]]


def status_text(sender: str, ticket: dict[str, Any]) -> str:
    """The text a handed-over person hears for a message while Rasa is paused."""
    return "\n\n".join(reply["text"] for reply in status_replies(sender, ticket))


def relaying(on_new_message: OnNewMessage) -> OnNewMessage:
    """`on_new_message` that also passes a handed-over citizen's (masked) text to the agent's desk and answers
    with the queue status when paused Rasa says nothing (or fails)."""

    async def handle(message: UserMessage) -> None:
        sender, text = str(message.sender_id or ""), (message.text or "").strip()
        ticket = await relay(sender, text) if sender and text else None
        if ticket is None:
            await on_new_message(message)
            return
        output = message.output_channel
        shown = getattr(output, "messages", None)
        before = len(shown) if isinstance(shown, list) else None
        try:
            await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - the agent has the message: say so rather than fail
            logger.warning("Rasa turn failed during a handoff (%s); the agent has the message", type(error).__name__)
        else:
            if before is None or len(shown) > before:  # Rasa answered (e.g. /restart), or we cannot tell
                return
        await output.send_text_message(sender, status_text(sender, ticket))

    return handle
