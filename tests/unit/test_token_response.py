import contextlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client._token_response import MAX_EXPIRES_IN, check_expires_in, check_token_response


def test_minimal_response() -> None:
    assert check_token_response({"access_token": "at", "token_type": "Bearer"}) == {
        "access_token": "at",
        "token_type": "Bearer",
    }


def test_expires_in_is_normalised_and_extras_kept() -> None:
    params = check_token_response({"access_token": "at", "expires_in": "60", "custom": {"a": 1}})
    assert params == {"access_token": "at", "expires_in": 60, "custom": {"a": 1}}
    assert check_token_response({"access_token": "at", "expires_in": 59.2})["expires_in"] == 60


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "not a JSON object"),
        ("at", "not a JSON object"),
        ({}, "no valid `access_token`"),
        ({"access_token": ""}, "no valid `access_token`"),
        ({"access_token": 123}, "no valid `access_token`"),
        ({"access_token": "at", "error": "x"}, "`error`"),
        ({"access_token": "at", "token_type": 1}, "`token_type` must be a string"),
        ({"access_token": "at", "refresh_token": ["x"]}, "`refresh_token` must be a string"),
        ({"access_token": "at", "scope": {"a": 1}}, "`scope` must be a string"),
        ({"access_token": "at", "id_token": 1}, "`id_token` must be a string"),
        ({"access_token": "at", "expires_in": -1}, "positive"),
        ({"access_token": "at", "expires_in": "abc"}, "number"),
        ({"access_token": "at", "expires_in": True}, "number"),
        ({"access_token": "at", "expires_in": 10**30}, "too large"),
        ({"access_token": "at", "expires_in": math.inf}, "positive"),
        ({"access_token": "at", "expires_in": math.nan}, "positive"),
    ],
)
def test_bad_responses_are_refused(body: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_token_response(body)


@given(st.integers(min_value=0, max_value=MAX_EXPIRES_IN))
def test_any_sane_lifetime_is_accepted(value: int) -> None:
    assert check_expires_in(value) == value
    assert check_expires_in(str(value)) == value


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_EXPIRES_IN + 1)))
def test_negative_or_absurd_lifetimes_are_refused(value: int) -> None:
    with pytest.raises(ValueError):
        check_expires_in(value)


@given(st.dictionaries(st.text(), st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers()))))
def test_arbitrary_objects_never_crash_untyped(body: dict[str, object]) -> None:
    with contextlib.suppress(ValueError):
        check_token_response(body)
