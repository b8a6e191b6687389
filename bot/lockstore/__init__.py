"""Rasa lock stores of this project: `AtomicRedisLockStore`, for several Rasa servers sharing one Redis.

Name it in an endpoints file as `type: bot.lockstore.AtomicRedisLockStore` (see `bot.lockstore.store`).
"""

from bot.lockstore.store import AtomicRedisLockStore

__all__ = ["AtomicRedisLockStore"]
