"""WeCom's callback protocol: URL verification and encrypted event callbacks (企业微信回调加解密).

- `CallbackCrypto.verify_url`: the GET with msg_signature, timestamp, nonce and an encrypted echostr;
  answer the decrypted echo to prove that the URL knows the Token and EncodingAESKey;
- `CallbackCrypto.decrypt`: the POST body ``<xml><Encrypt>…</Encrypt></xml>``, signed in the query, into the
  fields of the inner XML;
- `kf_event`: the 微信客服 ``kf_msg_or_event`` notification (Token and OpenKfId) in those fields.

The signature is compared in constant time here (wechatpy 1.x compares with ``!=``) before wechatpy's
WeChatCrypto decrypts and checks the corp id. Requests older or newer than the timestamp window are
refused. XML with a DOCTYPE or entity declaration is refused before parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from wechatpy.enterprise.crypto import WeChatCrypto  # wechatpy 1.x; 2.x calls the module `work`

from bot.channels.wecom_settings import WeComSettings

KF_EVENT = "kf_msg_or_event"
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_OPEN_KFID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class CallbackRejected(Exception):
    """A callback that is refused: `status` 400 (malformed) or 403 (not from WeCom, or too old)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class KfEvent:
    """A kf_msg_or_event notification: pull the messages of `open_kfid` with the short-lived `token`."""

    token: str
    open_kfid: str


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """WeCom's msg_signature: SHA-1 of token, timestamp, nonce and ciphertext, sorted and concatenated."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode("utf-8")).hexdigest()


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The text of each child of the root element; CallbackRejected(400) for anything that is not plain XML."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _DECLARATION.search(raw):
        raise CallbackRejected(400, "XML declarations are not accepted")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as error:
        raise CallbackRejected(400, "malformed XML") from error
    return {child.tag: (child.text or "").strip() for child in root}


class CallbackCrypto:
    """Verifies and decrypts the callbacks of one WeCom application."""

    def __init__(self, settings: WeComSettings):
        self.settings = settings
        self._crypto = WeChatCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)

    def _check(self, query: dict[str, str], encrypt: str) -> None:
        sign, timestamp, nonce = (query.get(name, "") for name in ("msg_signature", "timestamp", "nonce"))
        if not (sign and timestamp and nonce and encrypt):
            raise CallbackRejected(400, "msg_signature, timestamp, nonce and the ciphertext are required")
        expected = signature(self.settings.token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode("ascii"), sign.encode("utf-8", "replace")):
            raise CallbackRejected(403, "signature mismatch")
        try:
            sent_at = int(timestamp)
        except ValueError as error:
            raise CallbackRejected(403, "timestamp is not a number") from error
        if abs(time.time() - sent_at) > self.settings.timestamp_window:
            raise CallbackRejected(403, "timestamp outside the accepted window")

    def verify_url(self, query: dict[str, str]) -> str:
        """The plain echo string to answer a URL verification GET."""
        echostr = query.get("echostr", "")
        self._check(query, echostr)
        try:
            return self._crypto.check_signature(query["msg_signature"], query["timestamp"], query["nonce"],
                                                echostr)
        except Exception as error:  # wrong key, corp id or padding: not ours to trust
            raise CallbackRejected(400, "echostr cannot be decrypted") from error

    def decrypt(self, query: dict[str, str], body: bytes) -> dict[str, str]:
        """The fields of the decrypted inner XML of a callback POST."""
        outer = parse_xml(body)
        encrypt = outer.get("Encrypt", "")
        self._check(query, encrypt)
        try:
            inner = self._crypto.decrypt_message({"Encrypt": encrypt}, query["msg_signature"], query["timestamp"],
                                                 query["nonce"])
        except Exception as error:  # wrong key, corp id or padding
            raise CallbackRejected(400, "the message cannot be decrypted") from error
        return parse_xml(inner)


def kf_event(fields: dict[str, str]) -> KfEvent | None:
    """The kf_msg_or_event notification in a decrypted callback; None for any other event or message."""
    if fields.get("MsgType") != "event" or fields.get("Event") != KF_EVENT:
        return None
    token, open_kfid = fields.get("Token", ""), fields.get("OpenKfId", "")
    if not token or len(token) > 512 or not _OPEN_KFID.match(open_kfid):
        raise CallbackRejected(400, "kf_msg_or_event without a valid Token and OpenKfId")
    return KfEvent(token=token, open_kfid=open_kfid)
