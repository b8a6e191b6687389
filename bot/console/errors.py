"""The console's refusals: each carries the HTTP status it maps to and a message for the person using it."""

from __future__ import annotations


class ConsoleError(Exception):
    """A request the console refuses; ``message`` is polite Chinese, safe to show."""

    status = 400

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BadInput(ConsoleError):
    """The request is malformed or names something impossible (400)."""

    status = 400


class NotFound(ConsoleError):
    """No such ticket, message or user (404)."""

    status = 404


class Forbidden(ConsoleError):
    """Authenticated, but not allowed to do this to this object (403)."""

    status = 403


class Conflict(ConsoleError):
    """The object is not in a state that allows this (409): taken by another agent, already closed, rated."""

    status = 409


class TooMany(ConsoleError):
    """Too many attempts; ``retry_after`` seconds until the next may be made (429)."""

    status = 429
