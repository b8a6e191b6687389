"""The WeChat Official Account callback protocol: signatures, timestamps, safe-mode (AES) envelopes, messages.

Signatures are compared in constant time (wechatpy compares with ``!=``); decryption and parsing use
wechatpy (`wechatpy.crypto.WeChatCrypto`, `wechatpy.parse_message`). Everything that can go wrong with a
request body raises `BadMessage`, which the channel answers with "success" (WeChat then shows nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

MAX_MSGID_CHARS = 40


class BadMessage(Exception):
    """A callback body that is not a usable WeChat message (malformed XML, bad envelope, missing fields)."""


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def same_signature(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a signature with the one a request carries."""
    return bool(given) and hmac.compare_digest(expected.encode("ascii"), str(given).encode("utf-8", "replace"))


def fresh_timestamp(timestamp: str | None, window: int, now: float | None = None) -> bool:
    """True when the request's timestamp (seconds) is within ``window`` seconds of now."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs((time.time() if now is None else now) - int(timestamp)) <= window


def authentic(token: str, args: dict[str, str], window: int) -> bool:
    """The query's ``signature`` is the token's signature of its timestamp and nonce, and it is recent."""
    timestamp, nonce = args.get("timestamp") or "", args.get("nonce") or ""
    if not same_signature(sign(token, timestamp, nonce), args.get("signature")):
        return False
    return fresh_timestamp(timestamp, window)


def make_crypto(token: str, encoding_aes_key: str, appid: str) -> WeChatCrypto | None:
    """The safe-mode crypto for the account, or None when no EncodingAESKey is configured."""
    if not encoding_aes_key:
        return None
    if len(encoding_aes_key) != 43:
        raise ValueError("WECHAT_ENCODING_AES_KEY must be the 43 characters shown in the Official Account settings")
    if not appid:
        raise ValueError("WECHAT_APPID is needed with WECHAT_ENCODING_AES_KEY (safe mode)")
    return WeChatCrypto(token, encoding_aes_key, appid)


def parse_xml(body: str) -> dict[str, Any]:
    """The ``<xml>`` element of a body as a dict of strings."""
    try:
        document = xmltodict.parse(body)
    except Exception as error:  # expat errors, bad encodings, entity declarations
        raise BadMessage("malformed XML") from error
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise BadMessage("no <xml> root")
    return root


def open_envelope(crypto: WeChatCrypto, body: str, args: dict[str, str]) -> str:
    """The plain XML inside a safe-mode body, after checking ``msg_signature`` in constant time.

    Raises `PermissionError` for a wrong signature and `BadMessage` for anything else that is wrong.
    """
    envelope = parse_xml(body)
    encrypted = envelope.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise BadMessage("no Encrypt element")
    timestamp, nonce = args.get("timestamp") or "", args.get("nonce") or ""
    if not same_signature(sign(crypto.token, timestamp, nonce, encrypted), args.get("msg_signature")):
        raise PermissionError("wrong msg_signature")
    try:
        return crypto.decrypt_message({"Encrypt": encrypted}, args["msg_signature"], timestamp, nonce)
    except Exception as error:  # padding, base64, length or AppID mismatch
        raise BadMessage("cannot decrypt") from error


def seal_envelope(crypto: WeChatCrypto, reply_xml: str, nonce: str) -> str:
    """A safe-mode reply: the XML encrypted and signed with a fresh timestamp."""
    return crypto.encrypt_message(reply_xml, nonce or "onevisit", str(int(time.time())))


def parse(xml: str) -> tuple[BaseMessage, dict[str, Any]]:
    """The wechatpy message (or event) and the raw fields; BadMessage when it cannot be answered."""
    raw = parse_xml(xml)
    if not isinstance(raw.get("MsgType"), str):
        raise BadMessage("no MsgType")
    for name in ("FromUserName", "ToUserName"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise BadMessage(f"no {name}")
    try:
        message = parse_message(xml)
    except Exception as error:
        raise BadMessage("unparseable message") from error
    return message, raw


def dedup_key(account: str, raw: dict[str, Any]) -> str | None:
    """The key WeChat's retries of one message share: sender and MsgId, or sender and CreateTime for events.

    The sender is part of the key so that a reply can never be recalled for another user.
    """
    user = raw["FromUserName"][:64]
    msg_id = raw.get("MsgId")
    if isinstance(msg_id, str) and msg_id.strip():
        return f"wx:{account}:{user}:msg:{msg_id.strip()[:MAX_MSGID_CHARS]}"
    created = raw.get("CreateTime")
    if isinstance(created, str) and created.strip():
        return f"wx:{account}:{user}:evt:{created.strip()[:20]}:{str(raw.get('Event'))[:32]}"
    return None


def text_reply(message: BaseMessage, content: str) -> str:
    """The passive text reply to ``message`` as XML (the account replies to the user)."""
    safe = content.replace("]]>", "]] >")  # cannot close the CDATA section
    return TextReply(message=message, content=safe).render()


def mask_user(user: str | None) -> str:
    """An openid as it may appear in logs: its first four characters."""
    return f"{user[:4]}***" if user else "-"
