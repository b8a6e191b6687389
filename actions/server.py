"""The action server: rasa_sdk's app, bound to loopback, answering only callers that present the shared secret.

`python -m actions.server` replaces `rasa run actions`, which listens on every interface and accepts any
caller (a forged tracker posted to it once ran the case lookup). Rasa sends the secret in a header set in
endpoints.yml (`X-Action-Token: ${ACTION_SERVER_TOKEN}`); the health check stays open for readiness probes.
"""

from __future__ import annotations

import hmac
import logging
import os

from sanic import Sanic, response
from sanic.request import Request

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})
DEFAULTS = {"ACTION_HOST": "127.0.0.1", "ACTION_PORT": "5055"}

logger = logging.getLogger(__name__)


def require_token(app: Sanic, token: str) -> None:
    """Refuse every request but the health check unless it carries the shared secret."""

    @app.middleware("request")
    async def check_token(request: Request):  # noqa: ANN202 (sanic middleware)
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "unauthorised"}, status=401)
        return None


def warm_up() -> None:
    """Build the catalog snapshot and its resolver before the server answers anything, health included.

    The build takes seconds (tens on a busy machine); done by the first action instead, it made the first
    citizen wait longer than the edge waits for Rasa. A catalog that cannot be read yet is left to the first
    action, which answers it politely.
    """
    from bot.catalog.provider import default_provider

    try:
        snapshot = default_provider().current()
    except Exception as error:  # noqa: BLE001 - start anyway: the actions report a missing catalog themselves
        logger.warning("catalog not ready at start-up (%s): the first action will load it", type(error).__name__)
        return
    logger.info("catalog and resolver ready: %d affairs", len(snapshot.catalog.affairs))


def create(token: str) -> Sanic:
    """The rasa_sdk action app for the `actions` package, guarded by the token, warm before it listens."""
    from rasa_sdk.endpoint import create_app

    app = create_app("actions", cors_origins=None)
    require_token(app, token)
    app.register_listener(lambda _app, _loop: warm_up(), "before_server_start")
    return app


def main() -> int:
    """Start on ACTION_HOST:ACTION_PORT (default 127.0.0.1:5055); ACTION_SERVER_TOKEN is required."""
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if len(token) < 16:
        print("ACTION_SERVER_TOKEN 未设置或太短（至少 16 个字符）：动作服务器不接受无口令的调用。")
        return 2
    host = os.environ.get("ACTION_HOST", DEFAULTS["ACTION_HOST"])
    port = int(os.environ.get("ACTION_PORT", DEFAULTS["ACTION_PORT"]))
    from bot.privacy.logfilter import configure_logging

    configure_logging()
    logger.info("action server on %s:%s", host, port)
    create(token).run(host, port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
