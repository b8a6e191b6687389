"""Masking personal data before a message leaves the edge: `bot.privacy.protect(text, sender) -> str`.

`bot.privacy` is imported when the application starts, not when this module is imported. If the package is
not installed at all, messages are forwarded unmasked and a warning says so at start-up; if it is there but
fails to import, start-up fails; if `protect` fails on a message, that message is not forwarded (the caller
answers 503), so unmasked text never goes on because masking broke.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

PRIVACY_MODULE = "bot.privacy"
Protect = Callable[[str, str], str]


def unmasked(text: str, sender: str) -> str:
    """Stand-in used only while bot.privacy does not exist: the text unchanged."""
    return text


def load_protect() -> Protect:
    """`bot.privacy.protect`, or `unmasked` (with a warning) when the package is missing."""
    try:
        module = importlib.import_module(PRIVACY_MODULE)
    except ModuleNotFoundError as error:
        if error.name != PRIVACY_MODULE:
            raise
        logger.warning("%s is not installed: messages are forwarded to Rasa WITHOUT masking personal data",
                       PRIVACY_MODULE)
        return unmasked
    protect: Protect = module.protect
    return protect
