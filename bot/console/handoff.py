"""The handoff queue: citizens waiting for a human agent, the agents' replies, and what the citizen's channel polls.

Used from Python by the Rasa side (the action server and the channels share the console database) and over HTTP
by the console (`bot.console.api`). Every call is synchronous and touches the database: from async code (a
rasa_sdk action) run it with ``await asyncio.to_thread(...)``.

Lifecycle of a ticket::

    request_handoff ─▶ queued ─ agent_take ─▶ taken ─ hand_back ─▶ handed_back   (the assistant answers again)
                         │                      └──── close ─────▶ closed        (the conversation is over)
                         └── hand_back / close (by any agent or supervisor)

One open (queued or taken) ticket per sender: asking again while one is open returns it. Messages are numbered
per sender (``seq`` 1, 2, 3 ...); `updates_for(sender, after_seq)` returns what the citizen should see since then:
agents' replies and status changes (queued with the position, taken by 坐席<display name>, handed back, closed).
Hand back and close also put an event in the hook outbox (`bot.console.hooks`) that tells the Rasa side, and every
message for a WeChat or WeCom sender (``wx:...``/``wecom:...``) goes to the deliveries outbox
(`bot.console.deliveries`) for the channel to send.

Outside the service hours no ticket is opened: `request_handoff` answers ``in_service_hours=False`` and the
citizen may `leave_message` with a callback number, kept encrypted and listed masked (138****5678); a supervisor
may reveal it, which is audited.

Texts from citizens (messages, the summary's turns and labels) are masked with `bot.privacy` before they are
stored; agents' replies are stored as written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.console import store
from bot.console.audit import REVEAL_PHONE, Audit
from bot.console.auth import SUPERVISOR, User
from bot.console.errors import BadInput, Conflict, Forbidden, NotFound
from bot.console.hours import ServiceHours, parse_hours
from bot.console.phones import PhoneBox, mask_phone, normalize_phone
from bot.privacy.logfilter import mask_for_log
from bot.process_wide import ProcessWide

QUEUED, TAKEN, HANDED_BACK, CLOSED = "queued", "taken", "handed_back", "closed"
OPEN = (QUEUED, TAKEN)
CITIZEN, AGENT, SYSTEM = "citizen", "agent", "system"
NOTE = "note"  # for the agents only: never shown or sent to the citizen
RESUMED_EVENT, CLOSED_EVENT = "resumed", "closed"
DELIVERY_PREFIXES = ("wx:", "wecom:")
MAX_TEXT = 1000
MAX_TURNS = 10
LEAVE_OFFER_SECONDS = 15 * 60  # how long a chat's messages may still become a left message after the offer
MAX_OFFER_TEXTS = 5

QUEUED_TEXT = "已为您转接人工坐席，您现在排在第 {position} 位，请稍候。坐席接入后会在这里回复您。"
TAKEN_TEXT = "坐席{agent}已接入，正在为您服务。"
HANDED_BACK_TEXT = "人工坐席已结束本次服务，接下来由我继续为您解答，有问题请直接问我。"
CLOSED_TEXT = "本次人工服务已结束，感谢您的耐心等待。如还有需要，随时可以再找我。"
UNDELIVERED_TEXT = ("这条消息超过 {hours} 小时仍没能发给群众，系统已停止重试：“{excerpt}”（{why}）。"
                    "微信和企业微信只能在群众最后一次发消息后的 48 小时内回复；群众再发消息后，新的回复会正常送达。"
                    "如有急事，请用其他方式联系群众。")
TRIED_TEXT = "共尝试 {attempts} 次，最后一次的错误：{error}"
QUEUED_BEHIND_TEXT = "排在没发出的消息后面，一次也没有发出"
EXCERPT = 40


@dataclass(frozen=True)
class Ticket:
    """What `request_handoff` answers: the ticket (None outside the service hours), the place in the queue
    (1 = next; None when not queued) and whether agents are on duty."""

    id: int | None
    position: int | None
    in_service_hours: bool
    status: str | None = QUEUED


@dataclass(frozen=True)
class LeaveOffer:
    """An open offer to leave a message by chat: the channel, the handoff summary and the messages kept so far."""

    channel: str
    summary: dict[str, Any]
    texts: list[str]


@dataclass(frozen=True)
class Message:
    """One message of a handoff; ``seq`` numbers a sender's messages."""

    seq: int
    ticket: int
    who: str  # citizen | agent | system
    text: str
    at: float
    event: str | None = None  # system messages: queued | taken | handed_back | closed
    agent: str | None = None  # the agent's display name
    position: int | None = None  # queued: the place in the queue

    def as_json(self, zone: str = "Asia/Shanghai") -> dict[str, Any]:
        return {"seq": self.seq, "ticket": self.ticket, "who": self.who, "event": self.event, "text": self.text,
                "agent": self.agent, "position": self.position, "at": store.iso(self.at, zone)}


@dataclass(frozen=True)
class TicketView:
    """A ticket as the console lists it; the citizen is shown by channel and a short tag, never the raw id."""

    id: int
    status: str
    channel: str
    sender_tag: str
    affair: str
    affair_name: str
    district: str
    reason: str
    position: int | None
    created_at: float
    taken_at: float | None
    ended_at: float | None
    agent_id: int | None
    agent: str | None

    def as_json(self, now: float, zone: str = "Asia/Shanghai", viewer: User | None = None) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "channel": self.channel, "citizen": self.sender_tag,
                "affair": self.affair, "affair_name": self.affair_name, "district": self.district,
                "reason": self.reason, "position": self.position, "created_at": store.iso(self.created_at, zone),
                "taken_at": store.iso(self.taken_at, zone), "ended_at": store.iso(self.ended_at, zone),
                "waiting_seconds": int(max(0.0, (self.taken_at or self.ended_at or now) - self.created_at)),
                "agent": self.agent, "mine": viewer is not None and viewer.id == self.agent_id}


def _text(value: Any, limit: int, what: str, *, required: bool = False) -> str:
    """A string field, masked and cut to ``limit``; BadInput for a non-string."""
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadInput(f"{what} 需要是一段文字。")
    text = " ".join(str(value).split()) if limit <= 200 else str(value).strip()
    if required and not text:
        raise BadInput(f"{what} 不能为空。")
    return mask_for_log(text)[:limit]


def clean_summary(summary: Any) -> dict[str, Any]:
    """The summary as stored: known fields only, every text masked and cut.

    ``{affair, affair_name, answers: [label, ...] (or {question: label}), district, answered,
    last_turns: [{who: "user"|"bot", text}]}`` (the last 10 turns).
    """
    if summary is None:
        summary = {}
    if not isinstance(summary, dict):
        raise BadInput("summary 需要是一个对象。")
    answers = summary.get("answers") or []
    if isinstance(answers, dict):
        answers = [f"{k}：{v}" for k, v in answers.items()]
    if not isinstance(answers, list):
        raise BadInput("summary.answers 需要是选项文字的列表。")
    turns = summary.get("last_turns") or []
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise BadInput("summary.last_turns 需要是 {who, text} 的列表。")
    return {
        "affair": _text(summary.get("affair"), 80, "summary.affair"),
        "affair_name": _text(summary.get("affair_name"), 200, "summary.affair_name"),
        "answers": [_text(a, 100, "summary.answers") for a in answers[:20]],
        "district": _text(summary.get("district"), 60, "summary.district"),
        "answered": _text(summary.get("answered"), 500, "summary.answered"),
        "last_turns": [{"who": "bot" if str(t.get("who", "")).lower() in ("bot", "assistant") else "user",
                        "text": _text(t.get("text"), 500, "summary.last_turns.text")} for t in turns[-MAX_TURNS:]],
    }


def _sender(sender: Any) -> str:
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 255:
        raise BadInput("sender 需要是 1 到 255 个字符的会话编号。")
    return sender.strip()


class Desk:
    """The queue and its messages in the console database (see the module docstring)."""

    def __init__(self, engine: Engine, hours: ServiceHours, box: PhoneBox, audit: Audit | None = None,
                 clock: Callable[[], float] = time.time, zone: str = "Asia/Shanghai") -> None:
        self.engine = engine
        self.hours = hours
        self.box = box
        self.audit = audit or Audit(engine, clock)
        self.clock = clock
        self.zone = zone

    # --- the citizen's side ----------------------------------------------------------------------------------

    def request_handoff(self, sender: str, channel: str, summary: dict[str, Any] | None, reason: str) -> Ticket:
        """Queue the sender for an agent (or return the open ticket); outside the hours, no ticket."""
        sender = _sender(sender)
        channel = _text(channel or "web", 40, "channel") or "web"
        cleaned = clean_summary(summary)
        why = _text(reason, 200, "reason")
        now = self.clock()
        in_hours = self.hours.open_now(now)
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    existing = conn.execute(select(store.handoffs).where(store.handoffs.c.open_sender == sender)
                                            ).mappings().first()
                    if existing is not None:
                        position = _position(conn, existing) if existing["status"] == QUEUED else None
                        return Ticket(existing["id"], position, in_hours, existing["status"])
                    if not in_hours:
                        _offer_to_leave_a_message(conn, sender, channel, cleaned, now)
                        return Ticket(None, None, False, None)
                    ticket_id = int(conn.execute(insert(store.handoffs).values(
                        sender=sender, open_sender=sender, channel=channel, status=QUEUED, reason=why,
                        summary=cleaned, affair=cleaned["affair"], created_at=now)).inserted_primary_key[0])
                    row = conn.execute(select(store.handoffs).where(store.handoffs.c.id == ticket_id)
                                       ).mappings().one()
                    position = _position(conn, row)
                    _add(conn, ticket_id, sender, SYSTEM, QUEUED_TEXT.format(position=position), now,
                         event=QUEUED, position=position)
                    return Ticket(ticket_id, position, True, QUEUED)
            except IntegrityError:  # a concurrent request for the same sender, or a seq taken: read again
                continue
        raise Conflict("转接人工的请求太多，请稍后再试。")

    def citizen_message(self, sender: str, text: str) -> Message | None:
        """Add the citizen's message to the open handoff (masked); None when the sender has none open."""
        sender = _sender(sender)
        body = _text(text, MAX_TEXT * 2, "text", required=True)
        now = self.clock()
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(select(store.handoffs).where(store.handoffs.c.open_sender == sender)
                                       ).mappings().first()
                    if row is None:
                        return None
                    return _add(conn, row["id"], sender, CITIZEN, body, now)
            except IntegrityError:
                continue
        raise Conflict("消息太多，请稍后再发。")

    def updates_for(self, sender: str, after_seq: int = 0, limit: int = 100) -> list[Message]:
        """What the citizen should see after ``after_seq``: agents' replies and status changes, in order."""
        table = store.messages
        query = (select(table).where(table.c.sender == _sender(sender), table.c.seq > int(after_seq),
                                     table.c.who.not_in((CITIZEN, NOTE)))
                 .order_by(table.c.seq).limit(max(1, min(limit, 500))))
        with self.engine.connect() as conn:
            return [_message(r) for r in conn.execute(query).mappings()]

    def note_undelivered(self, ticket: int, sender: str, text: str, attempts: int, error: str | None,
                         hours: float) -> Message:
        """Tell the agents, in the ticket's history, that a message to the citizen was given up after ``hours``."""
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT] + "……"
        why = TRIED_TEXT.format(attempts=attempts, error=error or "未知") if attempts else QUEUED_BEHIND_TEXT
        note = UNDELIVERED_TEXT.format(hours=f"{hours:g}", excerpt=excerpt, why=why)
        with self.engine.begin() as conn:
            return _add(conn, int(ticket), _sender(sender), NOTE, note, time.time(), event="undelivered")

    def open_ticket(self, sender: str) -> TicketView | None:
        """The sender's open (queued or taken) ticket, if any: while there is one, messages go to the agent."""
        with self.engine.connect() as conn:
            row = conn.execute(select(store.handoffs).where(store.handoffs.c.open_sender == _sender(sender))
                               ).mappings().first()
            return _view(conn, row) if row else None

    def leave_message(self, sender: str, text: str, callback_phone: str, channel: str = "web",
                      summary: dict[str, Any] | None = None) -> int:
        """Store a message for a call back (outside the service hours); the number encrypted. Its id. The offer
        made to the sender is used up; without a summary, the one kept with the offer goes with the message."""
        sender = _sender(sender)
        digits = normalize_phone(callback_phone)
        body = _text(text, MAX_TEXT, "text", required=True)
        if summary is None:
            offer = self.leave_offer(sender)
            summary = offer.summary if offer is not None else None
        row = {"sender": sender, "channel": _text(channel or "web", 40, "channel") or "web", "text": body,
               "phone_cipher": self.box.seal(digits), "phone_masked": mask_phone(digits),
               "summary": clean_summary(summary) if summary else None, "status": "new", "created_at": self.clock()}
        with self.engine.begin() as conn:
            conn.execute(delete(store.leave_offers).where(store.leave_offers.c.sender == sender))
            return int(conn.execute(insert(store.left_messages).values(**row)).inserted_primary_key[0])

    def leave_offer(self, sender: str) -> LeaveOffer | None:
        """The sender's open offer to leave a message by chat (made outside the hours, not yet expired or used)."""
        table = store.leave_offers
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.sender == _sender(sender))).mappings().first()
        if row is None or row["expires_at"] <= self.clock():
            return None
        return LeaveOffer(row["channel"], dict(row["summary"] or {}), list(row["texts"] or []))

    def keep_for_the_message(self, sender: str, text: str) -> bool:
        """Keep a message sent while the offer is open (masked; the last few): it becomes part of the left
        message once a callback number comes. False when no offer is open."""
        offer = self.leave_offer(sender)
        if offer is None:
            return False
        texts = [*offer.texts, _text(text, MAX_TEXT, "text", required=True)][-MAX_OFFER_TEXTS:]
        with self.engine.begin() as conn:
            conn.execute(update(store.leave_offers).where(store.leave_offers.c.sender == _sender(sender))
                         .values(texts=texts))
        return True

    def leave_message_by_chat(self, sender: str, text: str, callback_phone: str) -> int | None:
        """The message that gives the callback number, with those kept since the offer, left for a call back on
        the offer's channel and summary. None when no offer is open."""
        offer = self.leave_offer(sender)
        if offer is None:
            return None
        body = "\n".join([*offer.texts, _text(text, MAX_TEXT, "text", required=True)])[-MAX_TEXT:]
        return self.leave_message(sender, body, callback_phone, offer.channel, offer.summary)

    # --- the agents' side -----------------------------------------------------------------------------------

    def queue(self, include_taken: bool = True) -> list[TicketView]:
        """Open tickets: the queued ones in order (with their position), then those being served."""
        statuses = OPEN if include_taken else (QUEUED,)
        table = store.handoffs
        query = select(table).where(table.c.status.in_(statuses)).order_by(table.c.created_at, table.c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        views, position = [], 0
        for row in rows:
            if row["status"] == QUEUED:
                position += 1
            views.append(_view_row(row, position if row["status"] == QUEUED else None))
        return sorted(views, key=lambda v: (v.status != QUEUED, v.position or 0, v.created_at))

    def history(self, ticket: int) -> tuple[TicketView, dict[str, Any], list[Message]]:
        """A ticket, its summary and every message of it (the citizen's too)."""
        with self.engine.connect() as conn:
            row = self._row(conn, ticket)
            messages = conn.execute(select(store.messages).where(store.messages.c.handoff_id == row["id"])
                                    .order_by(store.messages.c.seq)).mappings().all()
            return _view(conn, row), dict(row["summary"] or {}), [_message(m) for m in messages]

    def agent_take(self, ticket: int, agent: User) -> TicketView:
        """The agent takes a queued ticket; the citizen is told 坐席<display name> is there."""
        now = self.clock()
        return self._change(ticket, agent, now, lambda row: self._take(row, agent, now))

    def agent_reply(self, ticket: int, agent: User, text: str) -> Message:
        """The agent who holds the ticket answers the citizen."""
        body = (text or "").strip() if isinstance(text, str) else ""
        if not body:
            raise BadInput("回复内容不能为空。")
        if len(body) > MAX_TEXT:
            raise BadInput(f"回复太长了，请分几条发送，每条不超过 {MAX_TEXT} 字。")
        now = self.clock()
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    row = self._row(conn, ticket)
                    self._must_hold(row, agent, supervisor_may=False)
                    # an UPDATE locks the row, so a concurrent close cannot slip in between (PostgreSQL)
                    touched = conn.execute(update(store.handoffs).where(
                        store.handoffs.c.id == row["id"], store.handoffs.c.status == TAKEN,
                        store.handoffs.c.agent_id == agent.id).values(taken_at=row["taken_at"])).rowcount
                    if touched != 1:
                        raise Conflict("这张工单刚刚发生了变化，请刷新后再试。")
                    return _add(conn, row["id"], row["sender"], AGENT, body, now, agent_name=agent.display_name)
            except IntegrityError:
                continue
        raise Conflict("回复太频繁，请稍后再试。")

    def hand_back(self, ticket: int, agent: User) -> TicketView:
        """The assistant takes over again; the Rasa side is told (event "resumed")."""
        return self._end(ticket, agent, HANDED_BACK, HANDED_BACK_TEXT, RESUMED_EVENT)

    def close(self, ticket: int, agent: User) -> TicketView:
        """The conversation with the agent is over; the Rasa side is told (event "closed")."""
        return self._end(ticket, agent, CLOSED, CLOSED_TEXT, CLOSED_EVENT)

    def left_messages(self, status: str | None = "new", limit: int = 100) -> list[dict[str, Any]]:
        """Messages left outside the hours, newest first, with the callback number masked."""
        table = store.left_messages
        query = select(table).order_by(table.c.id.desc()).limit(max(1, min(limit, 500)))
        if status:
            query = query.where(table.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{"id": r["id"], "channel": r["channel"], "citizen": store.sender_tag(r["sender"]),
                 "text": r["text"], "phone": r["phone_masked"], "summary": r["summary"], "status": r["status"],
                 "handled_by": r["handled_by"], "created_at": store.iso(r["created_at"], self.zone),
                 "handled_at": store.iso(r["handled_at"], self.zone)} for r in rows]

    def reveal_phone(self, message_id: int, user: User) -> str:
        """The full callback number of a left message, for a supervisor; the audit log records who and when."""
        if SUPERVISOR not in user.roles:
            raise Forbidden("只有班长（supervisor）可以查看完整的回电号码。")
        with self.engine.connect() as conn:
            row = conn.execute(select(store.left_messages).where(store.left_messages.c.id == message_id)
                               ).mappings().first()
        if row is None:
            raise NotFound("没有找到这条留言。")
        digits = self.box.open(row["phone_cipher"])
        outcome = "revealed" if digits else "undecryptable"
        self.audit.write(user.name, REVEAL_PHONE, f"留言 #{message_id}（{row['phone_masked']}）", outcome)
        if digits is None:
            raise Conflict("这个号码无法解密（密钥可能已更换），请按留言内容联系群众。")
        return digits

    def mark_done(self, message_id: int, user: User) -> None:
        """The call back was made."""
        with self.engine.begin() as conn:
            done = conn.execute(update(store.left_messages).where(store.left_messages.c.id == message_id).values(
                status="done", handled_by=user.name, handled_at=self.clock())).rowcount
        if done != 1:
            raise NotFound("没有找到这条留言。")

    # --- internals --------------------------------------------------------------------------------------------

    def _row(self, conn: Connection, ticket: int) -> Any:
        row = conn.execute(select(store.handoffs).where(store.handoffs.c.id == int(ticket))).mappings().first()
        if row is None:
            raise NotFound("没有找到这张工单。")
        return row

    @staticmethod
    def _must_hold(row: Any, agent: User, *, supervisor_may: bool) -> None:
        """Refuse unless the ticket is open and, when taken, held by ``agent`` (or ``agent`` is a supervisor)."""
        if row["status"] not in OPEN:
            raise Conflict("这张工单已经结束了。")
        if row["status"] == QUEUED and not supervisor_may:
            raise Conflict("请先接入这张工单再回复。")
        if row["status"] == TAKEN and row["agent_id"] != agent.id and not (
                supervisor_may and SUPERVISOR in agent.roles):
            raise Forbidden(f"这位群众正由坐席{row['agent_name']}服务。")

    def _take(self, row: Any, agent: User, now: float) -> tuple[dict, tuple | None]:
        if row["status"] == TAKEN and row["agent_id"] == agent.id:
            return {}, None  # taking twice is harmless
        if row["status"] == TAKEN:
            raise Conflict(f"这张工单已由坐席{row['agent_name']}接入。")
        if row["status"] != QUEUED:
            raise Conflict("这张工单已经结束了。")
        values = {"status": TAKEN, "agent_id": agent.id, "agent_name": agent.display_name, "taken_at": now}
        message = (TAKEN_TEXT.format(agent=agent.display_name), TAKEN, agent.display_name)
        return values, message

    def _end(self, ticket: int, agent: User, status: str, text: str, hook_event: str) -> TicketView:
        now = self.clock()

        def decide(row: Any) -> tuple[dict, tuple | None]:
            self._must_hold(row, agent, supervisor_may=True)
            return {"status": status, "open_sender": None, "ended_at": now}, (text, status, None)

        return self._change(ticket, agent, now, decide, hook_event)

    def _change(self, ticket: int, agent: User, now: float, decide: Callable[[Any], tuple[dict, tuple | None]],
                hook_event: str | None = None) -> TicketView:
        """Apply a status change decided from the current row, only if the row did not change meanwhile."""
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    row = self._row(conn, ticket)
                    values, message = decide(row)
                    if values:
                        changed = conn.execute(update(store.handoffs).where(
                            store.handoffs.c.id == row["id"], store.handoffs.c.status == row["status"]
                        ).values(**values)).rowcount
                        if changed != 1:
                            raise _Changed()
                    if message is not None:
                        body, event, agent_name = message
                        _add(conn, row["id"], row["sender"], SYSTEM, body, now, event=event, agent_name=agent_name)
                    if hook_event is not None:
                        conn.execute(insert(store.hook_outbox).values(
                            sender=row["sender"], event=hook_event, handoff_id=row["id"], created_at=now,
                            attempts=0, next_attempt_at=now, lease_until=0.0))
                    fresh = conn.execute(select(store.handoffs).where(store.handoffs.c.id == row["id"])
                                         ).mappings().one()
                    return _view(conn, fresh)
            except (IntegrityError, _Changed):
                continue
        raise Conflict("这张工单刚刚发生了变化，请刷新后再试。")


class _Changed(Exception):
    """The ticket changed between reading and updating it: read again."""


def _offer_to_leave_a_message(conn: Connection, sender: str, channel: str, summary: dict[str, Any],
                              now: float) -> None:
    """Open (or renew) the sender's offer to leave a message by chat."""
    conn.execute(delete(store.leave_offers).where(store.leave_offers.c.sender == sender))
    conn.execute(insert(store.leave_offers).values(sender=sender, channel=channel, summary=summary, texts=[],
                                                   expires_at=now + LEAVE_OFFER_SECONDS))


def _position(conn: Connection, row: Any) -> int:
    """The ticket's place among the queued ones (1 = next)."""
    table = store.handoffs
    ahead = conn.execute(select(func.count()).select_from(table).where(
        table.c.status == QUEUED,
        (table.c.created_at < row["created_at"]) | ((table.c.created_at == row["created_at"])
                                                    & (table.c.id < row["id"])))).scalar_one()
    return int(ahead) + 1


def _add(conn: Connection, ticket: int, sender: str, who: str, text: str, now: float, *, event: str | None = None,
         agent_name: str | None = None, position: int | None = None) -> Message:
    """Append a message (the next seq of the sender); what the citizen sees goes to the deliveries outbox too."""
    last = conn.execute(select(func.max(store.messages.c.seq)).where(store.messages.c.sender == sender)).scalar()
    seq = int(last or 0) + 1
    conn.execute(insert(store.messages).values(handoff_id=ticket, sender=sender, seq=seq, who=who, event=event,
                                               text=text, agent_name=agent_name, position=position, created_at=now))
    if who in (AGENT, SYSTEM) and sender.startswith(DELIVERY_PREFIXES):
        conn.execute(insert(store.deliveries).values(sender=sender, handoff_id=ticket, seq=seq, text=text,
                                                     created_at=now, attempts=0, next_attempt_at=now,
                                                     lease_until=0.0))
    return Message(seq, ticket, who, text, now, event, agent_name, position)


def _message(row: Any) -> Message:
    return Message(row["seq"], row["handoff_id"], row["who"], row["text"], row["created_at"], row["event"],
                   row["agent_name"], row["position"])


def _view_row(row: Any, position: int | None) -> TicketView:
    summary = row["summary"] or {}
    return TicketView(row["id"], row["status"], row["channel"], store.sender_tag(row["sender"]), row["affair"] or "",
                      summary.get("affair_name", ""), summary.get("district", ""), row["reason"], position,
                      row["created_at"], row["taken_at"], row["ended_at"], row["agent_id"], row["agent_name"])


def _view(conn: Connection, row: Any) -> TicketView:
    return _view_row(row, _position(conn, row) if row["status"] == QUEUED else None)


# --- the process-wide desk for the Rasa side ---------------------------------------------------------------------

def _configured_desk() -> Desk:
    from bot.console.phones import default_box
    from bot.console.settings import load_settings

    config = load_settings()
    return Desk(store.engine_for(config.database_url),
                parse_hours(config.service_hours, config.timezone, config.closed_days),
                default_box(), zone=config.timezone)


_default = ProcessWide(_configured_desk)


def default_desk() -> Desk:
    """The desk configured from the environment (`bot.console.settings`), created on first use."""
    return _default.get()


def set_default_desk(desk: Desk | None) -> None:
    """Replace the process-wide desk (tests); None: rebuild from the environment on next use."""
    _default.replace(desk)


def request_handoff(sender: str, channel: str, summary: dict[str, Any] | None, reason: str) -> Ticket:
    """`Desk.request_handoff` on the default desk."""
    return default_desk().request_handoff(sender, channel, summary, reason)


def leave_message(sender: str, text: str, callback_phone: str, channel: str = "web",
                  summary: dict[str, Any] | None = None) -> int:
    """`Desk.leave_message` on the default desk."""
    return default_desk().leave_message(sender, text, callback_phone, channel, summary)


def leave_message_by_chat(sender: str, text: str, callback_phone: str) -> int | None:
    """`Desk.leave_message_by_chat` on the default desk."""
    return default_desk().leave_message_by_chat(sender, text, callback_phone)


def keep_for_the_message(sender: str, text: str) -> bool:
    """`Desk.keep_for_the_message` on the default desk."""
    return default_desk().keep_for_the_message(sender, text)


def citizen_message(sender: str, text: str) -> Message | None:
    """`Desk.citizen_message` on the default desk."""
    return default_desk().citizen_message(sender, text)


def updates_for(sender: str, after_seq: int = 0) -> list[Message]:
    """`Desk.updates_for` on the default desk."""
    return default_desk().updates_for(sender, after_seq)


def open_ticket(sender: str) -> TicketView | None:
    """`Desk.open_ticket` on the default desk."""
    return default_desk().open_ticket(sender)
