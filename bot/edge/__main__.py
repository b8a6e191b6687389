"""`python -m bot.edge`: run the edge server with settings from the environment (see bot.edge.settings)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.edge.app import create_app
from bot.edge.settings import load_settings

logger = logging.getLogger("bot.edge")


def main() -> None:
    """Configure logging, build the app and serve until SIGINT or SIGTERM."""
    from bot.privacy.logfilter import install

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install()  # personal data is masked in every log record, and long records cut
    settings = load_settings()
    logger.info("edge on http://%s:%d/ serving %s, forwarding chat to %s", settings.host, settings.port,
                settings.web_dir, settings.webhook_url)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
