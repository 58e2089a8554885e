"""The one `expires_in` policy (`_protocol.expires_in`): its table, row by row, then its properties."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import BackChannelAuthenticationResponse, BearerToken, DeviceAuthorizationResponse
from requests_oauth2client._protocol.expires_in import (
    MAX_EXPIRES_IN,
    InvalidExpiresIn,
    answer_expires_at,
    answer_lifetime,
    argument_expires_at,
    expires_at_after,
    lifetime_seconds,
)
from requests_oauth2client.authorization_request import RequestUriParameterAuthorizationRequest
from requests_oauth2client.dpop import DPoPKey, DPoPToken

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
REFUSED = InvalidExpiresIn

# One row per line of the module's table: value, result in a server answer, result given to a constructor.
# A result is a number of seconds from NOW, None for "no expiry", "expired" for "just before NOW", or REFUSED.
TABLE: list[tuple[object, object, object]] = [
    (None, None, None),
    (90, 90, 90),
    (90.0, 90, 90),
    ("90", 90, 90),
    (" 90 ", 90, 90),
    (90.5, 91, 91),
    (0.2, 1, 1),
    (0, "expired", None),
    (0.0, "expired", None),
    ("0", "expired", None),
    (-5, REFUSED, -5),
    ("-5", REFUSED, -5),
    (-0.5, REFUSED, -1),
    (MAX_EXPIRES_IN, MAX_EXPIRES_IN, MAX_EXPIRES_IN),
    (str(MAX_EXPIRES_IN), MAX_EXPIRES_IN, MAX_EXPIRES_IN),
    (MAX_EXPIRES_IN + 1, REFUSED, REFUSED),
    (-MAX_EXPIRES_IN - 1, REFUSED, REFUSED),
    (10**30, REFUSED, REFUSED),
    (1e300, REFUSED, REFUSED),
    (True, REFUSED, REFUSED),
    (False, REFUSED, REFUSED),
    (math.nan, REFUSED, REFUSED),
    (math.inf, REFUSED, REFUSED),
    (-math.inf, REFUSED, REFUSED),
    ("", REFUSED, None),
    ("soon", REFUSED, None),
    ("90.5", REFUSED, None),
    ("1e3", REFUSED, None),
    ("٣", REFUSED, None),  # a non-ASCII digit
    ("9" * 5000, REFUSED, REFUSED),
    ([90], REFUSED, REFUSED),
    ({"s": 90}, REFUSED, REFUSED),
    (b"90", REFUSED, REFUSED),
]


def expected_date(result: object) -> object:
    if result == "expired":
        return NOW - timedelta(microseconds=1)
    if isinstance(result, int):
        return NOW + timedelta(seconds=result)
    return result


@freeze_time(NOW)
@pytest.mark.parametrize(("value", "in_answer", "as_argument"), TABLE)
def test_the_table(value: object, in_answer: object, as_argument: object) -> None:
    if in_answer is REFUSED:
        with pytest.raises(InvalidExpiresIn) as exc_info:
            answer_expires_at(value)
        assert exc_info.value.value is value
    else:
        assert answer_expires_at(value) == expected_date(in_answer)
    if as_argument is REFUSED:
        with pytest.raises(InvalidExpiresIn):
            argument_expires_at(value)
    else:
        assert argument_expires_at(value) == expected_date(as_argument)


@freeze_time(NOW)
def test_required_in_an_answer() -> None:
    with pytest.raises(InvalidExpiresIn, match="missing"):
        answer_expires_at(None, required=True)
    assert answer_expires_at(60, required=True) == NOW + timedelta(seconds=60)


def test_messages_say_what_is_wrong() -> None:
    with pytest.raises(InvalidExpiresIn, match="must not be negative, got -5"):
        answer_lifetime(-5)
    with pytest.raises(InvalidExpiresIn, match=f"at most {MAX_EXPIRES_IN} seconds"):
        answer_lifetime(2**31)
    with pytest.raises(InvalidExpiresIn, match="not a boolean"):
        answer_lifetime(True)
    with pytest.raises(InvalidExpiresIn, match="not list"):
        answer_lifetime([1])
    assert issubclass(InvalidExpiresIn, ValueError)


# ------------------------------------------------------------------------- the same rule at every place


@freeze_time(NOW)
@pytest.mark.parametrize("value", [90, 90.0, "90", 90.5, 0, -5, "soon", 0.2, MAX_EXPIRES_IN, MAX_EXPIRES_IN + 1])
def test_every_constructor_follows_the_argument_column(value: object) -> None:
    def build_all(expires_in: object) -> list[datetime | None]:
        return [
            BearerToken("at", expires_in=expires_in).expires_at,  # type: ignore[arg-type]
            DPoPToken("at", _dpop_key=DPoPKey.generate(), expires_in=expires_in).expires_at,  # type: ignore[arg-type]
            DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=expires_in).expires_at,
            BackChannelAuthenticationResponse("req", expires_in=expires_in).expires_at,
            RequestUriParameterAuthorizationRequest(
                "https://as/authorize", client_id="c", request_uri="urn:r", expires_in=expires_in
            ).expires_at,
        ]

    try:
        expected = argument_expires_at(value)
    except InvalidExpiresIn:
        with pytest.raises(InvalidExpiresIn):
            build_all(value)
        return
    assert build_all(value) == [expected] * 5


@freeze_time(NOW)
def test_a_constructor_keeps_expires_at_when_expires_in_is_zero_or_none() -> None:
    fixed = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert BearerToken("at", expires_at=fixed, expires_in=0).expires_at == fixed
    assert BearerToken("at", expires_at=fixed, expires_in=None).expires_at == fixed
    assert BearerToken("at", expires_at=fixed, expires_in=10).expires_at == NOW + timedelta(seconds=10)


@freeze_time(NOW)
def test_zero_from_a_server_is_expired_at_once() -> None:
    expires_at = expires_at_after(0)
    assert expires_at is not None
    token = BearerToken("at", expires_at=expires_at)
    assert token.is_expired() is True  # even with the clock frozen on a whole second
    assert token.expires_in == 0


def test_expires_at_after_takes_now() -> None:
    now = datetime(2024, 1, 1, 13, 0, 0, 999, tzinfo=timezone(timedelta(hours=1)))
    assert expires_at_after(10, now=now) == NOW + timedelta(seconds=10)
    assert expires_at_after(None, now=now) is None


# --------------------------------------------------------------------------------------------- properties


@given(st.integers(min_value=0, max_value=MAX_EXPIRES_IN))
def test_any_lifetime_up_to_the_maximum_is_accepted_in_every_form(seconds: int) -> None:
    assert answer_lifetime(seconds) == seconds
    assert answer_lifetime(str(seconds)) == seconds
    assert answer_lifetime(float(seconds)) == seconds


@given(st.integers(min_value=MAX_EXPIRES_IN + 1) | st.integers(max_value=-1))
def test_negative_or_beyond_the_maximum_is_refused_in_an_answer(seconds: int) -> None:
    with pytest.raises(InvalidExpiresIn):
        answer_lifetime(seconds)
    with pytest.raises(InvalidExpiresIn):
        answer_lifetime(str(seconds))


@given(st.floats(min_value=-MAX_EXPIRES_IN, max_value=MAX_EXPIRES_IN))
def test_fractions_round_away_from_zero(value: float) -> None:
    seconds = lifetime_seconds(value)
    assert abs(seconds) - 1 < abs(value) <= abs(seconds)
    assert (seconds == 0) is (value == 0)
    assert math.copysign(1, seconds) == math.copysign(1, value) or seconds == 0


_anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.binary(max_size=10)
    | st.from_regex(r"\s*[+-]?[0-9]{1,25}\s*", fullmatch=True),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)


@given(_anything, st.booleans())
def test_any_value_gives_a_date_none_or_invalid_expires_in(value: object, required: bool) -> None:
    for parse in (lambda v: answer_expires_at(v, required=required), argument_expires_at):
        try:
            result = parse(value)
        except InvalidExpiresIn:
            continue
        assert result is None or (isinstance(result, datetime) and result.tzinfo is not None)
