"""Client for the case-status (办件进度) API: typed results, timeouts, retries and a circuit breaker.

Typical use from a custom action (the dialogue maps each result type to its own answer)::

    from bot.cases import Found, get_client, parse_verification

    factor = parse_verification(factor_text)          # None: ask again
    result = await get_client().alookup(case_number, factor)
    if isinstance(result, Found):
        result.case.status.label, result.case.pickup, ...

``lookup``/``alookup`` return one of Found, NotFound, VerificationFailed, RateLimited,
Unavailable or BadCaseNumber, never raise for network or server trouble, and answer within
``CASE_API_DEADLINE`` (3 s). The contract is backend/openapi.yml; backend/ holds a reference server.
"""

from bot.cases.breaker import BreakerState, CircuitBreaker
from bot.cases.client import PHONE_HEADER, QUERY_CODE_HEADER, CaseClient, get_client, set_client
from bot.cases.config import CaseApiConfig
from bot.cases.models import (
    STATUS_LABELS,
    Affair,
    BadCaseNumber,
    Case,
    CaseStatus,
    Found,
    LookupResult,
    MissingMaterial,
    NotFound,
    Pickup,
    PostDelivery,
    RateLimited,
    Step,
    Unavailable,
    UnavailableReason,
    VerificationFailed,
)
from bot.cases.numbers import (
    CASE_NUMBER_PATTERN,
    CASE_NUMBER_RE,
    PHONE_LAST4_PATTERN,
    PHONE_LAST4_RE,
    QUERY_CODE_PATTERN,
    QUERY_CODE_RE,
    PhoneLast4,
    QueryCode,
    Verification,
    find_case_number,
    is_valid_case_number,
    mask_case_number,
    normalize_case_number,
    parse_verification,
)

__all__ = [
    "CASE_NUMBER_PATTERN",
    "CASE_NUMBER_RE",
    "PHONE_HEADER",
    "PHONE_LAST4_PATTERN",
    "PHONE_LAST4_RE",
    "QUERY_CODE_HEADER",
    "QUERY_CODE_PATTERN",
    "QUERY_CODE_RE",
    "STATUS_LABELS",
    "Affair",
    "BadCaseNumber",
    "BreakerState",
    "Case",
    "CaseApiConfig",
    "CaseClient",
    "CaseStatus",
    "CircuitBreaker",
    "Found",
    "LookupResult",
    "MissingMaterial",
    "NotFound",
    "PhoneLast4",
    "Pickup",
    "PostDelivery",
    "QueryCode",
    "RateLimited",
    "Step",
    "Unavailable",
    "UnavailableReason",
    "Verification",
    "VerificationFailed",
    "find_case_number",
    "get_client",
    "is_valid_case_number",
    "mask_case_number",
    "normalize_case_number",
    "parse_verification",
    "set_client",
]
