"""The case-status API client: timeouts, bounded retries, circuit breaker, typed results."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from bot.cases.breaker import CircuitBreaker
from bot.cases.config import CaseApiConfig
from bot.cases.models import (
    BadCaseNumber,
    Case,
    Found,
    LookupResult,
    NotFoundOrMismatch,
    RateLimited,
    Unavailable,
    UnavailableReason,
)
from bot.cases.numbers import (
    CASE_NUMBER_PATTERN,
    END_USER_RE,
    PhoneLast4,
    QueryCode,
    Verification,
    mask_case_number,
    normalize_case_number,
)
from bot.process_wide import ProcessWide

log = logging.getLogger(__name__)

PHONE_HEADER = "X-Verify-Phone-Last4"
QUERY_CODE_HEADER = "X-Verify-Query-Code"
END_USER_HEADER = "X-End-User"
# The one "no such case, or wrong factor" answer; the two codes before issue 11 are read the same
# way, so the dialogue never tells them apart even against a server that still does.
NOT_FOUND_OR_MISMATCH_CODES = {404: {"not_found_or_mismatch", "case_not_found"}, 403: {"verification_failed"}}
RETRYABLE_STATUSES = frozenset({502, 503, 504})
_MIN_ATTEMPT_SECONDS = 0.05


@dataclass(frozen=True)
class _Outcome:
    """One attempt's result; ``healthy`` feeds the breaker, ``retryable`` the retry loop."""

    result: LookupResult
    healthy: bool
    retryable: bool = False


class _MaskCaseNumbers(logging.Filter):
    """Masks case numbers in urllib3's debug lines ("GET /v1/cases/ZJ... 200"), which name the URL."""

    _pattern = re.compile(CASE_NUMBER_PATTERN.removeprefix("^").removesuffix("$"))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._pattern.sub(lambda m: mask_case_number(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def _install_log_masking() -> None:
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _MaskCaseNumbers) for f in target.filters):
        target.addFilter(_MaskCaseNumbers())


class _BodyError(Exception):
    def __init__(self, reason: UnavailableReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class CaseClient:
    """Looks up cases through the case-status API (backend/openapi.yml).

    Only connection failures and 502/503/504 answers are retried, with exponential back-off, and
    never beyond ``config.deadline`` seconds for the whole lookup. Read timeouts are not retried.
    """

    def __init__(self, config: CaseApiConfig | None = None, *, breaker: CircuitBreaker | None = None) -> None:
        self.config = config or CaseApiConfig.from_env()
        _install_log_masking()
        self.breaker = breaker or CircuitBreaker(self.config.breaker_threshold, self.config.breaker_cooldown)
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc from the environment
        adapter = HTTPAdapter(max_retries=0)  # retries are ours, bounded by the deadline
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {
                "Authorization": f"Bearer {self.config.token}",
                "Accept": "application/json",
                "User-Agent": "OneVisit-assistant/1.0",
            }
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> CaseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def alookup(
        self, case_number: str, verification: Verification, end_user: str | None = None
    ) -> LookupResult:
        """``lookup`` in a worker thread, for async callers such as Rasa custom actions."""
        return await asyncio.to_thread(self.lookup, case_number, verification, end_user)

    def lookup(self, case_number: str, verification: Verification, end_user: str | None = None) -> LookupResult:
        """Look a case up; ``case_number`` is normalised first (full-width, spaces, lower case).

        ``end_user`` is the citizen's pseudonym (`bot.cases.attempts.end_user_id`), sent as
        ``X-End-User`` so that the API rate-limits and locks each citizen separately; never a raw id.
        """
        if end_user is not None and not END_USER_RE.fullmatch(end_user):
            raise ValueError("end_user must be a pseudonym from end_user_id(), not a raw id")
        canonical = normalize_case_number(case_number)
        if canonical is None:
            log.info("case lookup refused: malformed case number (%d chars)", len(case_number))
            return BadCaseNumber(case_number)
        masked = mask_case_number(canonical)
        if not self.breaker.allow():
            log.warning("case lookup %s: circuit open, not calling the API", masked)
            return Unavailable(UnavailableReason.CIRCUIT_OPEN)
        started = time.monotonic()
        try:
            outcome, attempts = self._with_retries(
                canonical, verification, end_user, started + self.config.deadline
            )
        except BaseException:  # a bug or an interrupt must not leave a half-open trial pending forever
            self.breaker.record_failure()
            raise
        if outcome.healthy:
            self.breaker.record_success()
        else:
            self.breaker.record_failure()
        log.info(
            "case lookup %s: %s after %d attempt(s) in %.0f ms",
            masked,
            _describe(outcome.result),
            attempts,
            (time.monotonic() - started) * 1000,
        )
        return outcome.result

    def _with_retries(
        self, case_number: str, verification: Verification, end_user: str | None, deadline: float
    ) -> tuple[_Outcome, int]:
        outcome = _Outcome(Unavailable(UnavailableReason.TIMEOUT), healthy=False)
        attempt = 0
        while attempt <= self.config.retries:
            remaining = deadline - time.monotonic()
            if remaining < _MIN_ATTEMPT_SECONDS:
                break
            attempt += 1
            outcome = self._attempt(case_number, verification, end_user, remaining, deadline)
            if not outcome.retryable or attempt > self.config.retries:
                break
            pause = self.config.backoff * (2 ** (attempt - 1))
            if deadline - time.monotonic() - pause < _MIN_ATTEMPT_SECONDS:
                break
            time.sleep(pause)
        return outcome, attempt

    def _timeouts(self, remaining: float) -> tuple[float, float]:
        """Connect and read timeouts for one attempt, scaled down so that both fit in ``remaining``."""
        connect, read = self.config.connect_timeout, self.config.read_timeout
        if connect + read > remaining:
            connect = min(connect, remaining * connect / (connect + read))
            read = remaining - connect
        return connect, read

    def _attempt(
        self,
        case_number: str,
        verification: Verification,
        end_user: str | None,
        remaining: float,
        deadline: float,
    ) -> _Outcome:
        url = f"{self.config.base_url}/v1/cases/{case_number}"
        headers = _verification_headers(verification)
        if end_user is not None:
            headers[END_USER_HEADER] = end_user
        try:
            response = self._session.get(
                url,
                headers=headers,
                timeout=self._timeouts(remaining),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.ConnectTimeout:
            return _Outcome(Unavailable(UnavailableReason.TIMEOUT), healthy=False, retryable=True)
        except requests.exceptions.ReadTimeout:
            return _Outcome(Unavailable(UnavailableReason.TIMEOUT), healthy=False)
        except requests.exceptions.ConnectionError:
            return _Outcome(Unavailable(UnavailableReason.CONNECTION), healthy=False, retryable=True)
        except requests.exceptions.RequestException:
            return _Outcome(Unavailable(UnavailableReason.CONNECTION), healthy=False)
        with response:
            try:
                return self._interpret(case_number, response, deadline)
            except _BodyError as exc:
                return _Outcome(Unavailable(exc.reason), healthy=False)

    def _interpret(self, case_number: str, response: requests.Response, deadline: float) -> _Outcome:
        status = response.status_code
        if status == 200:
            try:
                case = Case.from_json(self._json(response, deadline))
            except ValueError:
                return _Outcome(Unavailable(UnavailableReason.BAD_RESPONSE), healthy=False)
            if case.case_number != case_number:
                return _Outcome(Unavailable(UnavailableReason.BAD_RESPONSE), healthy=False)
            return _Outcome(Found(case), healthy=True)
        if status in NOT_FOUND_OR_MISMATCH_CODES:
            if self._error_code(response, deadline) in NOT_FOUND_OR_MISMATCH_CODES[status]:
                return _Outcome(NotFoundOrMismatch(case_number), healthy=True)
            log.error("case-status API answered %d without a documented error code", status)
            return _Outcome(Unavailable(UnavailableReason.BAD_RESPONSE), healthy=False)
        if status == 429:
            return _Outcome(RateLimited(_retry_after(response.headers.get("Retry-After"))), healthy=True)
        if status == 401:
            log.error("case-status API refused the token (401): check CASE_API_TOKEN")
            return _Outcome(Unavailable(UnavailableReason.UNAUTHORIZED), healthy=False)
        if status == 400:
            log.error("case-status API answered 400 to a request the client thought valid")
            return _Outcome(Unavailable(UnavailableReason.BAD_REQUEST), healthy=True)
        if status in RETRYABLE_STATUSES:
            return _Outcome(Unavailable(UnavailableReason.SERVER_ERROR), healthy=False, retryable=True)
        if 500 <= status <= 599:
            return _Outcome(Unavailable(UnavailableReason.SERVER_ERROR), healthy=False)
        log.error("case-status API answered unexpected HTTP %d", status)
        return _Outcome(Unavailable(UnavailableReason.BAD_RESPONSE), healthy=False)

    def _error_code(self, response: requests.Response, deadline: float) -> str | None:
        try:
            body = self._json(response, deadline)
        except ValueError:
            return None
        code = body.get("error") if isinstance(body, dict) else None
        return code if isinstance(code, str) else None

    def _json(self, response: requests.Response, deadline: float) -> Any:
        """The JSON body; ValueError when it is not JSON. Bounded in size and by the deadline."""
        content_type = response.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise ValueError("not application/json")
        body = _read_body(response, deadline, self.config.max_body_bytes)
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ValueError("malformed JSON") from exc


def _read_body(response: requests.Response, deadline: float, limit: int) -> bytes:
    """Read what has arrived, piece by piece, so a trickling server cannot outlast the deadline."""
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    read_some = getattr(raw, "read1", None)  # urllib3 >= 2: whatever has arrived, at most 16 KiB
    try:
        while True:
            chunk = (
                read_some(16384, decode_content=True) if read_some else raw.read(1024, decode_content=True)
            )
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _BodyError(UnavailableReason.BAD_RESPONSE)
            if time.monotonic() > deadline:
                raise _BodyError(UnavailableReason.TIMEOUT)
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        timed_out = isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError))
        raise _BodyError(UnavailableReason.TIMEOUT if timed_out else UnavailableReason.CONNECTION) from exc
    return b"".join(chunks)


def _verification_headers(verification: Verification) -> dict[str, str]:
    if isinstance(verification, PhoneLast4):
        return {PHONE_HEADER: verification.digits}
    if isinstance(verification, QueryCode):
        return {QUERY_CODE_HEADER: verification.code}
    raise TypeError("verification must be PhoneLast4 or QueryCode")


def _retry_after(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _describe(result: LookupResult) -> str:
    if isinstance(result, Found):
        return f"found ({result.case.status.value})"
    if isinstance(result, Unavailable):
        return f"unavailable ({result.reason.value})"
    return type(result).__name__


_default = ProcessWide(CaseClient)


def get_client() -> CaseClient:
    """The process-wide client configured from the environment, created on first use."""
    return _default.get()


def set_client(client: CaseClient | None) -> None:
    """Replace the process-wide client (tests point it at a local server); None: rebuild from env."""
    _default.replace(client)
