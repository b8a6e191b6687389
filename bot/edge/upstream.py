"""Forwarding a checked, masked message to Rasa's REST channel."""

from __future__ import annotations

import asyncio

import aiohttp


class UpstreamError(Exception):
    """Rasa did not give a usable answer (down, timed out, non-200, not a JSON list)."""


async def forward(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> list[object]:
    """POST {"sender", "message"} to Rasa and return its list of bot messages.

    Only these two fields are forwarded: anything else a client adds (metadata, say) never reaches the
    tracker. The session's timeout bounds the whole exchange.
    """
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as response:
            if response.status != 200:
                raise UpstreamError(f"HTTP {response.status}")
            replies = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        raise UpstreamError(type(error).__name__) from error
    if not isinstance(replies, list):
        raise UpstreamError("not a list")
    return replies
