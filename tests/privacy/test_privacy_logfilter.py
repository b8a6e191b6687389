"""bot.privacy.logfilter and config/logging.yml: log records masked and cut, whichever handler writes them."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.privacy import logfilter
from bot.privacy.logfilter import LIMIT, PrivacyFilter

ROOT = Path(__file__).resolve().parents[2]
ID = "11010519491231002X"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through a handler with the privacy filter into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s - %(message)s"))
    handler.addFilter(PrivacyFilter())
    logger = logging.getLogger("tests.privacy.captured")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


def test_an_id_inside_a_formatted_record_is_masked(captured):
    logger, stream = captured
    logger.warning("Received user message '%s' from %s", f"我的身份证是{ID}，手机13812345678", "alice")
    logger.info("slots %(slots)s", {"slots": {"text": "尾号1234，卡号6222021234567890128"}})
    out = stream.getvalue()
    assert ID not in out and "13812345678" not in out and "6222021234567890128" not in out
    assert "我的身份证是110105************，手机138********' from alice" in out
    assert "尾号****" in out and "****0128" in out


def test_a_620_kb_record_is_cut_to_2000_characters(captured):
    logger, stream = captured
    logger.warning("Could not parse %r", "手机号13812345678 " + "很长的消息" * 124_000)
    line = stream.getvalue().rstrip("\n")
    assert len(line) <= LIMIT + len("WARNING tests.privacy.captured - ")
    assert "已截断，原长" in line and "13812345678" not in line


def test_a_traceback_is_masked_and_cut_keeping_the_exception(captured):
    logger, stream = captured
    try:
        raise ValueError("bad message 手机号13812345678 " + "x" * 10_000)
    except ValueError:
        logger.exception("failed on %s", ID)
    out = stream.getvalue()
    assert ID not in out and "13812345678" not in out
    assert "Traceback (most recent call last)" in out and "已截断" in out
    assert len(out) < 2 * LIMIT + 200


def test_a_record_is_scrubbed_once_and_never_falls_back_to_the_raw_text(captured):
    logger, stream = captured
    logger.info("two args %s %s", "only one")  # a malformed call still logs, masked
    logger.info("手机%s", 13812345678)
    out = stream.getvalue()
    assert "two args" in out and "138********" in out and "13812345678" not in out


def test_install_scrubs_records_for_handlers_without_the_filter():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # like the handlers Sanic installs after the configuration
    logger = logging.getLogger("tests.privacy.unfiltered")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logfilter.install(capture_warnings=False)
        logfilter.install(capture_warnings=False)  # idempotent
        logger.error("身份证 %s", ID)
    finally:
        logfilter.uninstall()
        logger.removeHandler(handler)
    logger.addHandler(handler)
    try:
        logger.error("after uninstall %s", "plain")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == ["身份证 110105************", "after uninstall plain"]


def test_rasa_applies_config_logging_yml(tmp_path):
    """Rasa's own start-up (configure_logging_and_warnings, coloredlogs), then Sanic's handlers and a warning."""
    script = textwrap.dedent(f"""
        import logging, warnings
        import rasa.utils.io
        from rasa.utils.common import configure_logging_and_warnings
        configure_logging_and_warnings(None, "config/logging.yml", warn_only_once=True, filter_repeated_logs=True)
        rasa.utils.io.configure_colored_logging(None)
        from sanic import Sanic
        Sanic("privacy_test")  # installs sanic.error's own stderr handler
        logging.getLogger("rasa.core.processor").warning("Received user message '身份证{ID}'")
        logging.getLogger("sanic.error").error("Exception occurred: 手机13812345678")
        warnings.warn("parsed text 手机号13812345678")
        logging.getLogger("rasa.core.processor").info("x" * 620_000)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLOREDLOGS_AUTO_INSTALL": ""}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert ID not in out and "13812345678" not in out
    assert "身份证110105************" in out
    assert out.count("138********") >= 3  # root handler, sanic.error's own handler, the warning
    assert max(len(line) for line in out.splitlines()) < LIMIT + 200


def test_configure_logging_for_processes_of_our_own():
    script = ("import logging\n"
              "from bot.privacy.logfilter import configure_logging\n"
              "configure_logging()\n"
              f"logging.getLogger('actions.cases').warning('factor for %s', '身份证{ID}')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "factor for 身份证110105************" in result.stderr and ID not in result.stderr
