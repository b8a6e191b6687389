"""One object of a kind per process, made on first use: the case client, the catalog provider, the desk ..."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessWide(Generic[T]):
    """The process's one `T`, made by `make` when first asked for; `replace` puts another in its place."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """The object, made now if there is none yet (once, however many threads ask at the same time)."""
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value

    def replace(self, value: T | None) -> T | None:
        """Put `value` in place (tests use their own database or server); with None the next `get` makes one
        anew from the environment. Returns the object it replaced, if any, so that it can be put back."""
        with self._lock:
            previous, self._value = self._value, value
            return previous
