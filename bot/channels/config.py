"""Reading a channel's settings: the environment first, then its credentials.yml block, then the defaults."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any


def setting_reader(prefix: str, defaults: Mapping[str, str], credentials: Mapping[str, Any] | None = None,
                   environ: Mapping[str, str] | None = None) -> Callable[[str], str]:
    """A getter for settings named like ``WECHAT_TOKEN``: a non-empty environment variable wins, then the
    credentials key without the prefix in lower case (``token``), then `defaults`."""
    env = os.environ if environ is None else environ
    creds = {str(key).lower(): value for key, value in (credentials or {}).items()}

    def get(name: str) -> str:
        if env.get(name):
            return str(env[name]).strip()
        short = name.removeprefix(prefix).lower()
        if creds.get(short) not in (None, ""):
            return str(creds[short]).strip()
        return defaults[name]

    return get
