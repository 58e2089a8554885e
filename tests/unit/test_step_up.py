"""Step-up (RFC 9470): the authorization request from a challenge, and the check of the new ID Token."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from jwskate import Jwk, Jwt

from requests_oauth2client import BearerToken, IdToken, OAuth2Client
from requests_oauth2client.exceptions import InsufficientUserAuthentication
from requests_oauth2client.protected_resource import raise_for_resource_error
from requests_oauth2client.step_up import check_step_up, step_up_authorization_request, step_up_parameters
from requests_oauth2client.tokens import (
    IdTokenAuthTimeTooOld,
    InvalidIdTokenClaim,
    MismatchingIdTokenAcr,
    MissingIdToken,
    MissingIdTokenClaim,
)
from requests_oauth2client.www_authenticate import Challenge

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
KEY = Jwk.generate(alg="ES256")


def challenge(**params: str) -> Challenge:
    return Challenge("Bearer", {"error": "insufficient_user_authentication", **params})


def id_token(**claims: Any) -> IdToken:
    return IdToken(str(Jwt.sign({"iss": "https://as", "sub": "u", **claims}, KEY)))


def test_parameters() -> None:
    assert step_up_parameters(challenge(acr_values="mfa hwk", max_age="60")) == {"acr_values": "mfa hwk", "max_age": 60}
    assert step_up_parameters(challenge(max_age="0")) == {"max_age": 0}
    assert step_up_parameters(challenge()) == {}


def test_authorization_request_in_one_call() -> None:
    client = OAuth2Client(
        "https://as/token", authorization_endpoint="https://as/authorize", client_id="c", redirect_uri="https://app/cb"
    )
    response = requests.Response()
    response.status_code = 401
    response.url = "https://rs/api"
    response.headers["WWW-Authenticate"] = (
        'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age="5"'
    )
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        raise_for_resource_error(response)
    request = step_up_authorization_request(
        client, exc_info.value, scope="openid api", acr_values="ignored", login_hint="u"
    )
    assert request.acr_values == ("urn:mfa",)
    assert request.max_age == 5
    assert request.scope == ("openid", "api")
    assert request.args["login_hint"] == "u"
    assert request.args["acr_values"] == "urn:mfa"
    # what the code exchange validates the ID Token against
    azr = request.validate_callback(f"https://app/cb?code=c&state={request.state}")
    assert azr.acr_values == ("urn:mfa",)
    assert azr.max_age == 5


def test_check_step_up_acr() -> None:
    wanted = challenge(acr_values="urn:mfa urn:hwk")
    good = id_token(acr="urn:hwk")
    assert check_step_up(BearerToken("at", id_token=str(good)), wanted) == good
    assert check_step_up(good, wanted, now=NOW) is good
    for acr in (None, "urn:pwd"):
        claims = {"acr": acr} if acr else {}
        with pytest.raises(MismatchingIdTokenAcr) as exc_info:
            check_step_up(id_token(**claims), wanted)
        assert exc_info.value.received == acr
        assert exc_info.value.expected == ["urn:mfa", "urn:hwk"]
    with pytest.raises(InvalidIdTokenClaim, match="`acr`"):
        check_step_up(id_token(acr=["urn:mfa"]), wanted)
    # no acr_values asked: no acr needed
    assert check_step_up(id_token(), challenge())


def test_check_step_up_max_age() -> None:
    wanted = challenge(max_age="60")
    recent = id_token(auth_time=int((NOW - timedelta(seconds=65)).timestamp()))
    assert check_step_up(recent, wanted, now=NOW) is recent  # 60 s + 10 s leeway
    with pytest.raises(IdTokenAuthTimeTooOld) as exc_info:
        check_step_up(recent, wanted, now=NOW, auth_time_leeway=0)
    assert exc_info.value.expected == NOW - timedelta(seconds=60)
    with pytest.raises(MissingIdTokenClaim, match="`auth_time`"):
        check_step_up(id_token(), wanted, now=NOW)
    with pytest.raises(InvalidIdTokenClaim, match="`auth_time`"):
        check_step_up(id_token(auth_time="yesterday"), wanted, now=NOW)


def test_check_step_up_without_id_token() -> None:
    with pytest.raises(MissingIdToken):
        check_step_up(BearerToken("at"), challenge(acr_values="x"))
    with pytest.raises(MissingIdToken):
        check_step_up(None, challenge(acr_values="x"))
