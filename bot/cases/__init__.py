"""Client for the case-status (办件进度) API: typed results, timeouts, retries and a circuit breaker.

Typical use from a custom action (the dialogue maps each result type to its own answer)::

    from bot.cases import Found, get_client, parse_verification
    from bot.cases.attempts import get_limiter

    factor = parse_verification(factor_text)          # None: ask again
    end_user = get_limiter().end_user(tracker.sender_id)   # a pseudonym, never the raw id
    result = await get_client().alookup(case_number, factor, end_user)
    if isinstance(result, Found):
        result.case.status.label, result.case.pickup, ...

``lookup``/``alookup`` return one of Found, NotFoundOrMismatch (unknown number or wrong factor: the
API does not say which), RateLimited, Unavailable or BadCaseNumber, never raise for network or server
trouble, and answer within ``CASE_API_DEADLINE`` (3 s). Pass ``end_user`` (`end_user_id` of the
sender) so the API limits each citizen separately. The contract is backend/openapi.yml; backend/
holds a reference server. Failed verifications per citizen, across conversations, are counted by
`bot.cases.attempts`.
"""

from bot.cases.breaker import BreakerState, CircuitBreaker
from bot.cases.client import END_USER_HEADER, PHONE_HEADER, QUERY_CODE_HEADER, CaseClient, get_client, set_client
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
    NotFoundOrMismatch,
    Pickup,
    PostDelivery,
    RateLimited,
    Step,
    Unavailable,
    UnavailableReason,
)
from bot.cases.numbers import (
    CASE_NUMBER_PATTERN,
    CASE_NUMBER_RE,
    END_USER_PATTERN,
    END_USER_RE,
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
    "END_USER_HEADER",
    "END_USER_PATTERN",
    "END_USER_RE",
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
    "NotFoundOrMismatch",
    "PhoneLast4",
    "Pickup",
    "PostDelivery",
    "QueryCode",
    "RateLimited",
    "Step",
    "Unavailable",
    "UnavailableReason",
    "Verification",
    "find_case_number",
    "get_client",
    "is_valid_case_number",
    "mask_case_number",
    "normalize_case_number",
    "parse_verification",
    "set_client",
]
