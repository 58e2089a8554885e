import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client._protocol.expires_in import MAX_EXPIRES_IN
from requests_oauth2client._protocol.token_response import check_token_response


def test_minimal_response() -> None:
    assert check_token_response({"access_token": "at", "token_type": "Bearer"}) == {
        "access_token": "at",
        "token_type": "Bearer",
    }


def test_expires_in_is_normalised_and_extras_kept() -> None:
    params = check_token_response({"access_token": "at", "expires_in": "60", "custom": {"a": 1}})
    assert params == {"access_token": "at", "expires_in": 60, "custom": {"a": 1}}
    assert check_token_response({"access_token": "at", "expires_in": 59.2})["expires_in"] == 60
    assert check_token_response({"access_token": "at", "expires_in": None}) == {"access_token": "at"}


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
        ({"access_token": "at", "expires_in": -1}, "must not be negative"),
        ({"access_token": "at", "expires_in": "abc"}, "number"),
        ({"access_token": "at", "expires_in": True}, "number"),
        ({"access_token": "at", "expires_in": 10**30}, "at most"),
        ({"access_token": "at", "expires_in": math.inf}, "finite"),
        ({"access_token": "at", "expires_in": math.nan}, "finite"),
        ({"access_token": "at", "token_type": ""}, "`token_type` is empty"),
        ({"access_token": "at", "refresh_token": ""}, "`refresh_token` is empty"),
    ],
)
def test_bad_responses_are_refused(body: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_token_response(body)


@given(st.integers(min_value=0, max_value=MAX_EXPIRES_IN))
def test_any_sane_lifetime_is_accepted(value: int) -> None:
    assert check_token_response({"access_token": "at", "expires_in": value})["expires_in"] == value
    assert check_token_response({"access_token": "at", "expires_in": str(value)})["expires_in"] == value


def test_long_lived_tokens_are_accepted() -> None:
    # 2**31 - 1 seconds is what some servers send for "long-lived"; it used to be refused as "too large"
    assert check_token_response({"access_token": "at", "expires_in": 2**31 - 1})["expires_in"] == 2**31 - 1


@pytest.mark.parametrize("name", ["access_token", "refresh_token", "token_type"])
@pytest.mark.parametrize(
    "bad", ["S3CR3T\r\nX-Injected: 1", "S3CR3T\x00", "S3CR3T-tökén", "S3CR3T\t", "S3CR3T\x7f", "S3CR3T\u2028"]
)
def test_values_outside_vschar_are_refused_without_echo(name: str, bad: str) -> None:
    body = {"access_token": "at", name: bad}
    with pytest.raises(ValueError, match=f"`{name}` is empty or has characters other than printable ASCII") as exc:
        check_token_response(body)
    assert "S3CR3T" not in str(exc.value)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1))
def test_any_vschar_access_token_is_accepted(token: str) -> None:
    assert check_token_response({"access_token": token, "refresh_token": token})["access_token"] == token


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
_token_like = st.fixed_dictionaries(
    {},
    optional={
        "access_token": st.sampled_from(["at", "a b", "a\nb", "é"]) | st.text(max_size=10) | _json_values,
        "token_type": st.sampled_from(["Bearer", "DPoP", "N_A", "\t"]) | _json_values,
        "expires_in": st.sampled_from([0, 60, 59.5, "60", 2**31 - 1, 2**31, -1]) | _json_values,
        "refresh_token": st.text(max_size=10) | _json_values,
        "scope": st.text(max_size=10) | _json_values,
        "id_token": _json_values,
        "error": _json_values,
    },
)
_VSCHAR = re.compile(r"[\x20-\x7e]+")


@given(_token_like | _json_values)
def test_any_json_value_gives_checked_params_or_a_value_error(body: object) -> None:
    try:
        params = check_token_response(body)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(body, dict)
    assert "error" not in params
    assert _VSCHAR.fullmatch(params["access_token"])
    for name in ("refresh_token", "token_type"):
        assert params.get(name) is None or _VSCHAR.fullmatch(params[name])
    for name in ("scope", "id_token"):
        assert params.get(name) is None or isinstance(params[name], str)
    expires_in = params.get("expires_in")
    assert expires_in is None or (type(expires_in) is int and 0 <= expires_in <= MAX_EXPIRES_IN)
    assert {key: value for key, value in params.items() if key != "expires_in"} == {
        key: value for key, value in body.items() if key != "expires_in"
    }
