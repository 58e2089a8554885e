"""The claim checks shared by every JWT an Authorization Server signs: `iss`, `aud`, `exp`, `iat`, `nbf`, and types.

ID Tokens, back-channel logout tokens and signed UserInfo and introspection responses check these claims the same
way; each kind of token names the failures with its own errors, through the `ClaimFailures` object it passes in.
Pure: the current date is a parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

__all__ = [
    "ClaimFailures",
    "as_datetime",
    "check_audience",
    "check_dates",
    "check_issuer",
    "numeric_date",
    "required_string_claim",
    "string_claim",
    "utc_now",
]


class ClaimFailures(Protocol):
    """Builds the exception each failed claim check raises, for one kind of token."""

    def missing_claim(self, claim: str, token: object) -> Exception:
        """A required claim is absent."""
        ...  # pragma: no cover

    def invalid_claim(self, claim: str, received: object, token: object) -> Exception:
        """A claim has the wrong type or an unusable value."""
        ...  # pragma: no cover

    def mismatching_issuer(self, received: object, expected: str, token: object) -> Exception:
        """`iss` is not the expected issuer."""
        ...  # pragma: no cover

    def mismatching_audience(self, received: list[str], expected: str, token: object) -> Exception:
        """`aud` does not contain the client_id."""
        ...  # pragma: no cover

    def expired(self, received: datetime | None, now: datetime, token: object) -> Exception:
        """`exp` is past."""
        ...  # pragma: no cover

    def issued_in_the_future(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        """`iat` is later than now plus the leeway."""
        ...  # pragma: no cover

    def issued_too_long_ago(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        """`iat` is earlier than the accepted window."""
        ...  # pragma: no cover

    def not_yet_valid(self, received: datetime | None, bound: datetime, token: object) -> Exception:
        """`nbf` is later than now plus the leeway."""
        ...  # pragma: no cover


def utc_now(now: datetime | None) -> datetime:
    """The given date as an aware datetime (a naive one is taken as UTC), or the current date."""
    now = now or datetime.now(tz=timezone.utc)
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def string_claim(
    token: object, claims: Mapping[str, Any], name: str, *, required: bool, failures: ClaimFailures
) -> str | None:
    """Return a claim that must be a string when present (and present when `required`)."""
    if not required and claims.get(name) is None:
        return None
    return required_string_claim(token, claims, name, failures)


def required_string_claim(token: object, claims: Mapping[str, Any], name: str, failures: ClaimFailures) -> str:
    """Return a claim that must be present, as a string."""
    value = claims.get(name)
    if value is None:
        raise failures.missing_claim(name, token)
    if not isinstance(value, str):
        raise failures.invalid_claim(name, value, token)
    return value


def numeric_date(token: object, claims: Mapping[str, Any], name: str, failures: ClaimFailures) -> float:
    """Return a required NumericDate claim (RFC 7519: a finite JSON number) as a float timestamp."""
    value = claims.get(name)
    if value is None:
        raise failures.missing_claim(name, token)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise failures.invalid_claim(name, value, token)
    try:
        timestamp = float(value)
    except OverflowError:  # an integer too large for any date
        raise failures.invalid_claim(name, value, token) from None
    if not math.isfinite(timestamp):
        raise failures.invalid_claim(name, value, token)
    return timestamp


def as_datetime(timestamp: float) -> datetime | None:
    """A timestamp as an aware UTC datetime, or None when no datetime can hold it."""
    try:
        return datetime.fromtimestamp(timestamp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def check_issuer(token: object, claims: Mapping[str, Any], issuer: str, failures: ClaimFailures) -> str:
    """`iss` is present and equal to the issuer the client trusts."""
    iss = string_claim(token, claims, "iss", required=True, failures=failures)
    if iss != issuer:
        raise failures.mismatching_issuer(iss, issuer, token)
    return issuer


def check_audience(token: object, claims: Mapping[str, Any], client_id: str, failures: ClaimFailures) -> list[str]:
    """`aud` is present, a string or a non-empty list of strings, and contains the client_id; return the audiences."""
    aud = claims.get("aud")
    if aud is None:
        raise failures.missing_claim("aud", token)
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
        raise failures.invalid_claim("aud", aud, token)
    if client_id not in audiences:
        raise failures.mismatching_audience(audiences, client_id, token)
    return audiences


def check_dates(
    token: object,
    claims: Mapping[str, Any],
    now: datetime,
    failures: ClaimFailures,
    *,
    exp_required: bool,
    iat_required: bool = True,
    exp_leeway: int,
    iat_leeway: int,
    max_iat_age: int | None,
) -> None:
    """`exp` (required, or checked when present) is in the future; `iat` (required, or checked when present) is not in
    the future and not older than `max_iat_age`; `nbf`, when present, is not in the future. `iat_leeway` allows for
    clock skew.
    """  # noqa: D205
    now_ts = now.timestamp()
    if exp_required or claims.get("exp") is not None:
        exp = numeric_date(token, claims, "exp", failures)
        if now_ts >= exp + exp_leeway:
            raise failures.expired(as_datetime(exp), now, token)
    if iat_required or claims.get("iat") is not None:
        iat = numeric_date(token, claims, "iat", failures)
        if iat > now_ts + iat_leeway:
            raise failures.issued_in_the_future(as_datetime(iat), now + timedelta(seconds=iat_leeway), token)
        if max_iat_age is not None and now_ts - iat > max_iat_age:
            raise failures.issued_too_long_ago(as_datetime(iat), now - timedelta(seconds=max_iat_age), token)
    if claims.get("nbf") is not None:
        nbf = numeric_date(token, claims, "nbf", failures)
        if nbf > now_ts + iat_leeway:
            raise failures.not_yet_valid(as_datetime(nbf), now + timedelta(seconds=iat_leeway), token)
