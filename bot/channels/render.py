"""Rasa bot messages as plain text for messaging platforms that show neither buttons nor markup.

Buttons become numbered options ("回复数字选择：\\n1. 标题"); a later digit reply is mapped back to the
option's payload with `reply_for_digit`. Texts are packed into chunks that fit a platform's byte limit,
split at line boundaries where possible and never inside a character.
"""

from __future__ import annotations

import unicodedata
from typing import Any

OPTIONS_HEADER = "回复数字选择："
_SEPARATOR = "\n\n"


def sender_id(platform: str, account: str, user: str) -> str:
    """The Rasa sender id of a platform user, e.g. ``wx:{appid}:{openid}``."""
    return f"{platform}:{account}:{user}"


def numbered_options(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of the last message that had buttons, in order (what a digit reply refers to)."""
    for message in reversed(messages):
        buttons = _buttons(message)
        if buttons:
            return buttons
    return []


def reply_for_digit(text: str, options: list[dict[str, Any]]) -> str | None:
    """The payload of the option a digit reply ("2", full-width "２", " 2 ") names; None otherwise."""
    stripped = unicodedata.normalize("NFKC", text or "").strip()
    if not stripped.isdigit() or not stripped.isascii():
        return None
    number = int(stripped)
    if 1 <= number <= len(options):
        payload = options[number - 1].get("payload")
        return str(payload) if payload else None
    return None


def plain_messages(messages: list[dict[str, Any]], max_bytes: int) -> list[str]:
    """The messages as plain-text chunks of at most ``max_bytes`` UTF-8 bytes each.

    Texts are packed in order, separated by a blank line; buttons of the last message with buttons are
    appended as numbered options (earlier button sets as plain bullet lines, so digits stay unambiguous).
    Messages with only a "custom" payload are skipped (their text twin is sent too).
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must leave room for at least one character")
    numbered_index = _last_buttons_index(messages)
    blocks = [_block(message, index == numbered_index) for index, message in enumerate(messages)]
    return _pack([block for block in blocks if block], max_bytes)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    buttons = message.get("buttons") or []
    return [button for button in buttons if isinstance(button, dict) and button.get("title")]


def _last_buttons_index(messages: list[dict[str, Any]]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if _buttons(messages[index]):
            return index
    return -1


def _block(message: dict[str, Any], numbered: bool) -> str:
    """One message's text with its buttons, or "" when it has nothing to show as text."""
    text = str(message.get("text") or "").strip()
    buttons = _buttons(message)
    if numbered:
        lines = [OPTIONS_HEADER] + [f"{n}. {button['title']}" for n, button in enumerate(buttons, start=1)]
    else:
        lines = [f"· {button['title']}" for button in buttons]
    parts = [part for part in (text, "\n".join(lines)) if part]
    return "\n".join(parts)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _pack(blocks: list[str], max_bytes: int) -> list[str]:
    """Greedy packing: whole blocks together while they fit, long blocks split by lines."""
    chunks: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{_SEPARATOR}{block}" if current else block
        if _size(candidate) <= max_bytes:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        if _size(block) <= max_bytes:
            current = block
            continue
        pieces = _split_lines(block, max_bytes)
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        chunks.append(current)
    return chunks


def _split_lines(text: str, max_bytes: int) -> list[str]:
    """A long text cut at line ends; a single line longer than the limit is cut between characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _size(candidate) <= max_bytes:
            current = candidate
            continue
        if current:
            pieces.append(current)
            current = ""
        if _size(line) <= max_bytes:
            current = line
            continue
        cut = _split_characters(line, max_bytes)
        pieces.extend(cut[:-1])
        current = cut[-1]
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _split_characters(line: str, max_bytes: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    used = 0
    for char in line:
        width = _size(char)
        if used + width > max_bytes and current:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += width
    pieces.append(current)
    return pieces
