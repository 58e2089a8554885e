from __future__ import annotations

import copy
import json
import pickle
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs
import furl
import pytest
import yarl
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwskate import JweCompact, Jwk, JwkSet, Jwt, SignedJwt

from requests_oauth2client import enums, exceptions
from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    AuthorizationResponse,
    CodeChallengeMethods,
    InvalidCodeVerifierParam,
    InvalidJarmResponse,
    InvalidMaxAgeParam,
    MissingIssuerParam,
    PkceUtils,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
    ResponseTypes,
    UnsupportedCodeChallengeMethod,
    UnsupportedResponseTypeParam,
)
from requests_oauth2client.exceptions import (
    AccountSelectionRequired,
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidScopeParam,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    SessionSelectionRequired,
)

ENDPOINT = "https://as.example.com/authorize"
ISSUER = "https://as.example.com"
CLIENT_ID = "my_client"
REDIRECT_URI = "http://localhost:1234/callback"


def params_of(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(uri).query, keep_blank_values=True)


@attrs.frozen
class FakeDPoPKey:
    """Stands in for a DPoPKey: the authorization request only reads `dpop_jkt`."""

    dpop_jkt: str = "fake-thumbprint"


@pytest.fixture
def azr() -> AuthorizationRequest:
    return AuthorizationRequest(ENDPOINT, client_id=CLIENT_ID, redirect_uri=REDIRECT_URI, scope="openid profile")


def make(**kwargs: Any) -> AuthorizationRequest:
    kwargs.setdefault("client_id", CLIENT_ID)
    kwargs.setdefault("redirect_uri", REDIRECT_URI)
    return AuthorizationRequest(ENDPOINT, **kwargs)


# ------------------------------------------------------------------------------------------ module surface


def test_reexports() -> None:
    assert ResponseTypes is enums.ResponseTypes
    assert CodeChallengeMethods is enums.CodeChallengeMethods
    assert MissingIssuerParam is exceptions.MissingIssuerParam


# ------------------------------------------------------------------------------------------ construction


def test_defaults(azr: AuthorizationRequest) -> None:  # §18.28
    assert azr.authorization_endpoint == ENDPOINT
    assert azr.client_id == CLIENT_ID
    assert azr.redirect_uri == REDIRECT_URI
    assert azr.scope == ("openid", "profile")
    assert azr.response_type == "code"
    assert azr.state is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", azr.state)
    assert azr.nonce is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", azr.nonce)
    assert azr.code_verifier is not None
    assert len(azr.code_verifier) == 128
    assert azr.code_challenge_method == "S256"
    assert azr.code_challenge == PkceUtils.derive_challenge(azr.code_verifier)
    assert azr.acr_values is None
    assert azr.max_age is None
    assert azr.kwargs == {}
    assert azr.issuer is None
    assert azr.authorization_response_iss_parameter_supported is False
    assert azr.dpop_key is None
    assert azr.dpop_jkt is None
    params = params_of(azr.uri)
    assert params["code_challenge_method"] == ["S256"]
    assert params["code_challenge"] == [azr.code_challenge]
    assert params["state"] == [azr.state]
    assert params["nonce"] == [azr.nonce]
    assert "code_verifier" not in params  # the verifier never leaves the client with the request


def test_random_values_are_fresh() -> None:
    first, second = make(), make()
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_verifier != second.code_verifier


def test_field_order() -> None:
    names = [a.name for a in attrs.fields(AuthorizationRequest)]
    assert names[:15] == [
        "authorization_endpoint",
        "client_id",
        "redirect_uri",
        "scope",
        "response_type",
        "state",
        "nonce",
        "code_challenge_method",
        "acr_values",
        "max_age",
        "kwargs",
        "code_verifier",
        "authorization_response_iss_parameter_supported",
        "issuer",
        "dpop_key",
    ]


def test_frozen(azr: AuthorizationRequest) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        azr.state = "other"  # type: ignore[misc]


@pytest.mark.parametrize("scope", ["profile email", ["profile"], None, ""])
def test_no_nonce_without_openid(scope: Any) -> None:  # §18.29
    assert make(scope=scope).nonce is None


def test_nonce_with_openid_in_list() -> None:
    assert make(scope=["email", "openid"]).nonce is not None


@pytest.mark.parametrize(
    ("scope", "expected"), [("a b", ("a", "b")), (["a", "b"], ("a", "b")), ("", None), (None, None)]
)
def test_scope_conversion(scope: Any, expected: Any) -> None:
    azr = make(scope=scope)
    assert azr.scope == expected
    if expected is None:
        assert "scope" not in azr.args
    else:
        assert azr.args["scope"] == " ".join(expected)


def test_invalid_scope() -> None:
    with pytest.raises(InvalidScopeParam):
        make(scope=123)


def test_explicit_values() -> None:
    verifier = "v" * 60
    azr = make(state="s1", nonce="n1", code_verifier=verifier)
    assert azr.state == "s1"
    assert azr.nonce == "n1"
    assert azr.code_verifier == verifier
    assert azr.code_challenge == PkceUtils.derive_challenge(verifier)


def test_non_str_state_and_nonce_are_stringified() -> None:
    azr = make(state=123, nonce=456)
    assert azr.state == "123"
    assert azr.nonce == "456"


def test_no_state() -> None:  # §18.29
    azr = make(state=None)
    assert azr.state is None
    assert "state" not in params_of(azr.uri)


def test_pkce_disabled() -> None:  # §18.29
    azr = make(code_challenge_method=None, code_verifier="v" * 60)
    assert azr.code_verifier is None
    assert azr.code_challenge is None
    assert azr.code_challenge_method is None
    params = params_of(azr.uri)
    assert "code_challenge" not in params
    assert "code_challenge_method" not in params


def test_pkce_plain() -> None:
    azr = make(code_challenge_method="plain")
    assert azr.code_challenge == azr.code_verifier
    assert params_of(azr.uri)["code_challenge_method"] == ["plain"]


def test_code_challenge_param_refused() -> None:  # §18.30
    with pytest.raises(ValueError, match="code_verifier"):
        make(code_challenge="x")


@pytest.mark.parametrize("max_age", [-1, "10", 1.5, True])
def test_invalid_max_age(max_age: Any) -> None:  # §18.30
    with pytest.raises(InvalidMaxAgeParam):
        make(max_age=max_age)


def test_max_age_zero_is_sent() -> None:
    azr = make(max_age=0)
    assert azr.max_age == 0
    assert azr.args["max_age"] == 0  # numbers keep their type in `args`, as in the published 1.7 and 1.8
    assert params_of(azr.uri)["max_age"] == ["0"]


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token"])
def test_unsupported_response_type(response_type: str) -> None:  # §18.30
    with pytest.raises(UnsupportedResponseTypeParam) as exc_info:
        make(response_type=response_type)
    assert exc_info.value.response_type == response_type
    assert exc_info.value.args[1] == response_type


def test_response_type_enum() -> None:
    assert make(response_type=ResponseTypes.CODE).args["response_type"] == "code"


def test_unsupported_code_challenge_method() -> None:
    with pytest.raises(UnsupportedCodeChallengeMethod):
        make(code_challenge_method="S512")


def test_invalid_code_verifier() -> None:
    with pytest.raises(InvalidCodeVerifierParam):
        make(code_verifier="too-short")


def test_iss_flag_requires_issuer() -> None:  # §18.19
    with pytest.raises(MissingIssuerParam):
        make(authorization_response_iss_parameter_supported=True)
    azr = make(authorization_response_iss_parameter_supported=True, issuer=ISSUER)
    assert azr.authorization_response_iss_parameter_supported is True


@pytest.mark.parametrize(("acr_values", "expected"), [("a b", ("a", "b")), (["a", "b"], ("a", "b")), (None, None)])
def test_acr_values(acr_values: Any, expected: Any) -> None:
    azr = make(acr_values=acr_values)
    assert azr.acr_values == expected
    if expected:
        assert params_of(azr.uri)["acr_values"] == ["a b"]


def test_invalid_acr_values() -> None:
    with pytest.raises(InvalidAcrValuesParam):
        make(acr_values=12)


# ------------------------------------------------------------------------------------------ args and URI


def test_args_order_and_values() -> None:
    azr = make(
        state="st",
        nonce="no",
        code_verifier="v" * 43,
        acr_values="a1 a2",
        max_age=30,
        dpop_key=FakeDPoPKey(),
        prompt="login",
        login_hint="user@example.com",
    )
    assert list(azr.args) == [
        "client_id",
        "redirect_uri",
        "scope",
        "response_type",
        "state",
        "nonce",
        "code_challenge_method",
        "acr_values",
        "max_age",
        "code_challenge",
        "dpop_jkt",
        "prompt",
        "login_hint",
    ]
    assert azr.args["max_age"] == 30
    assert azr.args["acr_values"] == "a1 a2"
    assert azr.args["dpop_jkt"] == "fake-thumbprint"
    assert azr.dpop_jkt == "fake-thumbprint"
    assert all(isinstance(value, str) for name, value in azr.args.items() if name != "max_age")


def test_numbers_keep_their_type_in_args() -> None:
    azr = make(max_age=600, custom_int=3, custom_float=1.5, flag=True)
    assert azr.args["max_age"] == 600
    assert azr.args["custom_int"] == 3
    assert azr.args["custom_float"] == 1.5
    assert azr.args["flag"] == "True"
    assert params_of(azr.uri)["custom_int"] == ["3"]
    assert params_of(azr.uri)["max_age"] == ["600"]


def test_none_kwargs_are_dropped() -> None:
    azr = make(prompt=None)
    assert "prompt" not in azr.args
    assert azr.prompt is None


def test_resource_list_becomes_repeated_params() -> None:
    azr = make(resource=["https://r1.example.com/api", "urn:r2"])
    assert azr.args["resource"] == ["https://r1.example.com/api", "urn:r2"]
    assert params_of(azr.uri)["resource"] == ["https://r1.example.com/api", "urn:r2"]
    assert "resource=https%3A%2F%2Fr1.example.com%2Fapi&resource=urn%3Ar2" in azr.uri


def test_single_resource() -> None:
    azr = make(resource="https://my.resource.local/api")
    assert params_of(azr.uri)["resource"] == ["https://my.resource.local/api"]


@pytest.mark.parametrize(
    "details",
    [
        [{"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "123.50"}}],
        {"type": "account_information"},
    ],
)
def test_authorization_details_is_one_json_string(details: Any) -> None:  # RFC 9396
    azr = make(authorization_details=details)
    assert azr.authorization_details == details
    sent = params_of(azr.uri)["authorization_details"]
    assert len(sent) == 1
    assert json.loads(sent[0]) == details
    assert " " not in sent[0]  # compact


def test_claims_dict_is_json() -> None:
    claims = {"id_token": {"acr": {"essential": True}}}
    azr = make(claims=claims)
    assert json.loads(params_of(azr.uri)["claims"][0]) == claims


def test_list_params_are_space_joined() -> None:
    azr = make(prompt=["login", "consent"])
    assert params_of(azr.uri)["prompt"] == ["login consent"]


def test_uri_encoding(azr: AuthorizationRequest) -> None:
    uri = azr.uri
    assert uri.startswith(f"{ENDPOINT}?client_id={CLIENT_ID}&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2Fcallback")
    assert "scope=openid+profile" in uri
    assert str(azr) == uri
    assert repr(azr) == uri  # §18.37


def test_endpoint_query_is_kept() -> None:
    azr = AuthorizationRequest(f"{ENDPOINT}?tenant=t1", client_id=CLIENT_ID, state="s")
    assert azr.uri.startswith(f"{ENDPOINT}?tenant=t1&client_id={CLIENT_ID}&")
    assert params_of(azr.uri)["tenant"] == ["t1"]


def test_furl(azr: AuthorizationRequest) -> None:
    f = azr.furl
    assert isinstance(f, furl.furl)
    assert f.args["client_id"] == CLIENT_ID
    assert f.args["redirect_uri"] == REDIRECT_URI
    assert f.args["code_challenge"] == azr.code_challenge
    assert f.origin == "https://as.example.com"


def test_getattr_for_kwargs() -> None:  # §18.37
    azr = make(custom="value")
    assert azr.custom == "value"
    assert hasattr(azr, "custom")
    assert not hasattr(azr, "missing")
    with pytest.raises(AttributeError, match="no parameter 'missing'"):
        _ = azr.missing
    with pytest.raises(KeyError):  # the published library raised KeyError: still caught by such code
        _ = azr.missing


def test_copy_and_pickle() -> None:
    azr = make(custom="value", resource=["r1", "r2"])
    for clone in (copy.copy(azr), copy.deepcopy(azr), pickle.loads(pickle.dumps(azr))):  # noqa: S301
        assert clone == azr
        assert clone.uri == azr.uri
        assert clone.custom == "value"


def test_equality(azr: AuthorizationRequest) -> None:
    same = make(
        scope="openid profile",
        state=azr.state,
        nonce=azr.nonce,
        code_verifier=azr.code_verifier,
        authorization_server_jwks=JwkSet(),  # not part of equality
    )
    assert same == azr
    assert make(scope="openid profile", state=azr.state, nonce=azr.nonce) != azr


def test_as_dict_round_trip() -> None:
    azr = make(acr_values="a b", max_age=10, custom="c", issuer=ISSUER, authorization_details=[{"type": "x"}])
    data = azr.as_dict()
    assert data["custom"] == "c"
    assert "kwargs" not in data
    assert data["dpop_key"] is None
    assert list(data)[:10] == [
        "authorization_endpoint",
        "client_id",
        "redirect_uri",
        "scope",
        "response_type",
        "state",
        "nonce",
        "code_challenge_method",
        "acr_values",
        "max_age",
    ]
    assert AuthorizationRequest(**data) == azr


def test_as_dict_round_trip_with_jwks() -> None:
    key = Jwk.generate(alg="ES256", kid="k")
    azr = make(authorization_server_jwks=JwkSet(keys=[key.public_jwk()]))
    rebuilt = AuthorizationRequest(**json.loads(json.dumps(azr.as_dict())))
    assert rebuilt == azr
    assert rebuilt.authorization_server_jwks == azr.authorization_server_jwks


def test_repr_hides_the_code_verifier(azr: AuthorizationRequest) -> None:
    assert azr.code_verifier is not None
    assert azr.code_verifier not in repr(azr)
    assert azr.code_verifier not in str(azr)


# ------------------------------------------------------------------------------------------ DPoP


def test_dpop_key_given() -> None:
    key = FakeDPoPKey("jkt-1")
    azr = make(dpop_key=key)
    assert azr.dpop_key is key
    assert params_of(azr.uri)["dpop_jkt"] == ["jkt-1"]


def test_dpop_generates_a_key() -> None:
    dpop = pytest.importorskip("requests_oauth2client.dpop")
    azr = make(dpop=True, dpop_alg="ES384")
    assert isinstance(azr.dpop_key, dpop.DPoPKey)
    assert azr.dpop_key.alg == "ES384"
    assert params_of(azr.uri)["dpop_jkt"] == [azr.dpop_key.dpop_jkt]
    assert make(dpop=False).dpop_key is None
    rebuilt = AuthorizationRequest(**azr.as_dict())
    assert rebuilt.dpop_key is not None
    assert rebuilt.dpop_key.private_key == azr.dpop_key.private_key
    response = azr.validate_callback(f"{REDIRECT_URI}?code=c&state={azr.state}")
    assert response.dpop_key is azr.dpop_key


# ------------------------------------------------------------------------------------------ validate_callback


def test_validate_callback(azr: AuthorizationRequest) -> None:  # §18.32
    response = azr.validate_callback(f"{REDIRECT_URI}?code=c&state={azr.state}&session_state=ss")
    assert isinstance(response, AuthorizationResponse)
    assert response.code == "c"
    assert response.state == azr.state
    assert response.code_verifier == azr.code_verifier
    assert response.redirect_uri == REDIRECT_URI
    assert response.nonce == azr.nonce
    assert response.acr_values is None
    assert response.max_age is None
    assert response.issuer is None
    assert response.dpop_key is None
    assert response.kwargs == {"session_state": "ss"}
    assert response.session_state == "ss"


def test_validate_callback_carries_id_token_expectations() -> None:
    key = FakeDPoPKey()
    azr = make(issuer=ISSUER, acr_values="gold silver", max_age=60, dpop_key=key)
    response = azr.validate_callback(f"?code=c&state={azr.state}&iss={ISSUER}")
    assert response.issuer == ISSUER
    assert response.acr_values == ("gold", "silver")
    assert response.max_age == 60
    assert response.dpop_key is key
    assert response.iss == ISSUER


@pytest.mark.parametrize(
    "template",
    [
        "code=c&state={state}",  # a bare query string (HEAD)
        "?code=c&state={state}",
        "/callback?code=c&state={state}",
        REDIRECT_URI + "?code=c&state={state}",
        "https://app.example.com/cb?x=1&code=c&state={state}",
    ],
)
def test_callback_forms(azr: AuthorizationRequest, template: str) -> None:  # §18.36
    assert azr.validate_callback(template.format(state=azr.state)).code == "c"


def test_callback_as_mapping(azr: AuthorizationRequest) -> None:
    response = azr.validate_callback({"code": "c", "state": azr.state or "", "extra": "e"})
    assert response.code == "c"
    assert response.extra == "e"


def test_callback_as_multidict_with_repeats(azr: AuthorizationRequest) -> None:
    class MultiDict(dict[str, str]):
        def getlist(self, name: str) -> list[str]:
            return ["c1", "c2"] if name == "code" else [self[name]]

    with pytest.raises(InvalidAuthResponse, match="multiple 'code'"):
        azr.validate_callback(MultiDict(code="c1", state=azr.state or ""))


def test_callback_as_furl(azr: AuthorizationRequest) -> None:
    assert azr.validate_callback(furl.furl(f"{REDIRECT_URI}?code=c&state={azr.state}")).code == "c"


def test_fragment_response_mode() -> None:
    azr = make(response_mode="fragment", state="s")
    assert azr.validate_callback(f"{REDIRECT_URI}#code=c&state=s").code == "c"
    assert make(state="s").validate_callback(f"{REDIRECT_URI}#code=c&state=s").code == "c"
    # the redirect_uri keeps its own query; the response is in the fragment
    assert azr.validate_callback("https://app/cb?tenant=t#code=c&state=s").code == "c"


@pytest.mark.parametrize(
    "bad", [42, None, ["code=c"], b"code=c", "https://[::1/cb?code=x", "https://[::1/cb?code=c&state=s"]
)
def test_unparsable_callback(azr: AuthorizationRequest, bad: Any) -> None:
    with pytest.raises(InvalidAuthResponse) as exc_info:
        azr.validate_callback(bad)
    assert type(exc_info.value) is InvalidAuthResponse
    assert exc_info.value.request is azr
    assert exc_info.value.response is bad
    with pytest.raises(InvalidAuthResponse):
        azr.on_response_error(bad)


NO_PARAMETERS = ["https://app.example/cb", "https://app.example/cb?", "https://app.example/cb#", "", {}]


@pytest.mark.parametrize("callback", NO_PARAMETERS, ids=repr)
def test_a_callback_without_parameters_goes_through_the_usual_checks(callback: Any) -> None:
    """A reload, a bot, an AS answering in the fragment: the published classes are raised, in the usual order."""
    with pytest.raises(MismatchingState) as state_error:
        make(state="s").validate_callback(callback)
    assert state_error.value.received is None
    assert state_error.value.expected == "s"
    with pytest.raises(MissingAuthCode):
        make(state=None).validate_callback(callback)
    with pytest.raises(MissingIssuer):  # the issuer check comes first when it applies
        make(state="s", issuer=ISSUER, authorization_response_iss_parameter_supported=True).validate_callback(callback)
    with pytest.raises(MismatchingState):
        make(state="s", issuer=ISSUER).validate_callback(callback)


def test_a_bare_word_is_a_query_string() -> None:
    with pytest.raises(MismatchingState):
        make(state="s").validate_callback("nothing-here")
    with pytest.raises(MissingAuthCode):
        make(state=None).validate_callback("nothing-here")


def test_a_parameter_named_self_is_an_extra_parameter() -> None:
    azr = make(state="s")
    response = azr.validate_callback("https://app.example/cb?code=c&state=s&self=x&kwargs=y")
    assert response.code == "c"
    assert response.kwargs == {"self": "x", "kwargs": "y"}
    assert azr.validate_callback({"code": "c", "state": "s", "self": "x"}).kwargs == {"self": "x"}
    assert AuthorizationResponse(code="c", self="x").kwargs == {"self": "x"}


def test_callback_with_non_str_mapping_value(azr: AuthorizationRequest) -> None:
    with pytest.raises(InvalidAuthResponse, match="not a string"):
        azr.validate_callback({"code": 1, "state": azr.state})  # type: ignore[dict-item]


@pytest.mark.parametrize("name", ["state", "code", "iss", "error", "other"])
def test_repeated_parameters(azr: AuthorizationRequest, name: str) -> None:  # §18.36
    callback = f"code=c&state={azr.state}&{name}=x&{name}=y"
    with pytest.raises(InvalidAuthResponse, match=f"multiple '{name}'"):
        azr.validate_callback(callback)


def test_wrong_state(azr: AuthorizationRequest) -> None:  # §18.33
    callback = f"{REDIRECT_URI}?code=c&state=foo"
    with pytest.raises(MismatchingState) as exc_info:
        azr.validate_callback(callback)
    exc = exc_info.value
    assert isinstance(exc, InvalidAuthResponse)
    assert isinstance(exc, ValueError)
    assert exc.received == "foo"  # what the response carried
    assert exc.expected == azr.state  # what the request sent
    assert exc.request is azr
    assert exc.response == callback
    assert str(exc).startswith("The Authorization Response is invalid: ")


def test_missing_state(azr: AuthorizationRequest) -> None:  # §18.33
    with pytest.raises(MismatchingState) as exc_info:
        azr.validate_callback(f"{REDIRECT_URI}?code=c")
    assert exc_info.value.received is None
    assert exc_info.value.expected == azr.state


def test_unsolicited_state() -> None:  # §18.36
    azr = make(state=None)
    assert azr.validate_callback("code=c").code == "c"
    with pytest.raises(MismatchingState) as exc_info:
        azr.validate_callback("code=c&state=s")
    assert exc_info.value.received == "s"
    assert exc_info.value.expected is None


def test_empty_state_is_not_missing_state() -> None:
    azr = make(state="s")
    with pytest.raises(MismatchingState):
        azr.validate_callback("code=c&state=")


def test_missing_code(azr: AuthorizationRequest) -> None:  # §18.33
    with pytest.raises(MissingAuthCode) as exc_info:
        azr.validate_callback(f"{REDIRECT_URI}?state={azr.state}")
    assert isinstance(exc_info.value, InvalidAuthResponse)
    with pytest.raises(MissingAuthCode):
        azr.validate_callback(f"{REDIRECT_URI}?state={azr.state}&code=")


@pytest.mark.parametrize(
    ("error", "exception_class"),
    [
        ("interaction_required", InteractionRequired),
        ("login_required", LoginRequired),
        ("session_selection_required", SessionSelectionRequired),
        ("consent_required", ConsentRequired),
        ("access_denied", AuthorizationResponseError),
        ("account_selection_required", AuthorizationResponseError),
        ("server_error", AuthorizationResponseError),
        ("unknown_code", AuthorizationResponseError),
    ],
)
def test_error_responses(azr: AuthorizationRequest, error: str, exception_class: type[Exception]) -> None:  # §18.34
    callback = f"{REDIRECT_URI}?error={error}&error_description=desc&error_uri=https%3A%2F%2Fdoc&state={azr.state}"
    with pytest.raises(AuthorizationResponseError) as exc_info:
        azr.validate_callback(callback)
    exc = exc_info.value
    assert type(exc) is exception_class
    assert exc.error == error
    assert exc.description == "desc"
    assert exc.uri == "https://doc"
    assert exc.request is azr
    assert exc.response == callback


def test_login_required_is_interaction_required(azr: AuthorizationRequest) -> None:
    with pytest.raises(InteractionRequired):
        azr.validate_callback(f"error=login_required&state={azr.state}")
    # account_selection_required is NOT mapped (published behaviour): plain AuthorizationResponseError
    with pytest.raises(AuthorizationResponseError) as exc_info:
        azr.validate_callback(f"error=account_selection_required&state={azr.state}")
    assert not isinstance(exc_info.value, AccountSelectionRequired)


@pytest.mark.parametrize("extra", ["error_description=only+a+description", "error_uri=https%3A%2F%2Fdoc", "error="])
def test_error_without_error_code(azr: AuthorizationRequest, extra: str) -> None:  # §18.36
    with pytest.raises(AuthorizationResponseError) as exc_info:
        azr.validate_callback(f"code=c&state={azr.state}&{extra}")
    assert exc_info.value.error == "missing_error_code"


def test_error_response_state_is_checked_first(azr: AuthorizationRequest) -> None:
    with pytest.raises(MismatchingState):
        azr.validate_callback("error=access_denied&state=forged")


def test_error_response_iss_is_checked_first() -> None:
    azr = make(issuer=ISSUER, state="s")
    with pytest.raises(MismatchingIssuer):
        azr.validate_callback("error=access_denied&state=s&iss=https%3A%2F%2Fevil.example.com")


def test_on_response_error_parses_when_needed(azr: AuthorizationRequest) -> None:
    with pytest.raises(LoginRequired):
        azr.on_response_error("error=login_required")


def test_custom_exception_classes(azr: AuthorizationRequest) -> None:
    class AccessDeniedError(AuthorizationResponseError):
        pass

    class MyRequest(AuthorizationRequest):
        exception_classes = {**AuthorizationRequest.exception_classes, "access_denied": AccessDeniedError}

    my = MyRequest(ENDPOINT, client_id=CLIENT_ID, state="s")
    with pytest.raises(AccessDeniedError):
        my.validate_callback("error=access_denied&state=s")


def test_wrong_iss() -> None:  # §18.35
    azr = make(issuer=ISSUER)
    with pytest.raises(MismatchingIssuer) as exc_info:
        azr.validate_callback(f"code=c&state={azr.state}&iss=https%3A%2F%2Fevil.example.com")
    assert exc_info.value.received == "https://evil.example.com"
    assert exc_info.value.expected == ISSUER
    assert isinstance(exc_info.value, InvalidAuthResponse)


def test_wrong_iss_refused_even_without_the_flag() -> None:
    azr = make(issuer=ISSUER, authorization_response_iss_parameter_supported=False)
    with pytest.raises(MismatchingIssuer):
        azr.validate_callback(f"code=c&state={azr.state}&iss=")


def test_missing_iss() -> None:  # §18.35
    azr = make(issuer=ISSUER, authorization_response_iss_parameter_supported=True)
    with pytest.raises(MissingIssuer) as exc_info:
        azr.validate_callback(f"code=c&state={azr.state}")
    assert isinstance(exc_info.value, InvalidAuthResponse)
    response = azr.validate_callback(f"code=c&state={azr.state}&iss={ISSUER}")
    assert response.issuer == ISSUER


def test_missing_iss_accepted_without_the_flag() -> None:
    azr = make(issuer=ISSUER)
    assert azr.validate_callback(f"code=c&state={azr.state}").issuer == ISSUER


def test_iss_without_known_issuer_is_kept() -> None:
    azr = make()
    response = azr.validate_callback(f"code=c&state={azr.state}&iss=https%3A%2F%2Fx")
    assert response.issuer is None
    assert response.iss == "https://x"


def test_response_cannot_override_request_values(azr: AuthorizationRequest) -> None:
    response = azr.validate_callback(
        f"code=c&state={azr.state}&code_verifier=evil&nonce=evil&redirect_uri=evil&issuer=evil&dpop_key=evil"
        "&max_age=1&acr_values=evil"
    )
    assert response.code_verifier == azr.code_verifier
    assert response.nonce == azr.nonce
    assert response.redirect_uri == REDIRECT_URI
    assert response.issuer is None
    assert response.dpop_key is None
    assert response.max_age is None
    assert response.acr_values is None


RESERVED = {
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "response",
    "redirect_uri",
    "code_verifier",
    "nonce",
    "acr_values",
    "max_age",
    "issuer",
    "dpop_key",
}
param_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda n: n not in RESERVED
)
param_values = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=0, max_size=30
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=75)
@given(extra=st.dictionaries(param_names, param_values, max_size=6))
def test_extra_params_pass_through(azr: AuthorizationRequest, extra: dict[str, str]) -> None:
    query = urlencode({"code": "c", "state": azr.state, **extra})
    for callback in (query, f"{REDIRECT_URI}?{query}", {"code": "c", "state": azr.state or "", **extra}):
        response = azr.validate_callback(callback)
        assert response.code == "c"
        assert response.kwargs == extra


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=75)
@given(state=param_values)
def test_random_state_mismatch(azr: AuthorizationRequest, state: str) -> None:
    if state == azr.state:
        return
    query = urlencode({"code": "c", "state": state})
    with pytest.raises(MismatchingState) as exc_info:
        azr.validate_callback(f"{REDIRECT_URI}?{query}")
    assert exc_info.value.received == state


@settings(max_examples=100)
@given(garbage=st.one_of(st.text(max_size=80), st.from_regex(r"[?#]?([a-z=&%+]{0,6}|code|state|s|error|iss)*")))
def test_garbage_callbacks_raise_typed_errors(garbage: str) -> None:
    azr = make(state="s")
    try:
        response = azr.validate_callback(garbage)
    except (InvalidAuthResponse, AuthorizationResponseError):
        return
    assert response.state == "s"
    assert response.code


def _as_yarl(url: str) -> Any:
    try:
        return yarl.URL(url)
    except ValueError:
        return url


_callback_names = st.one_of(
    st.sampled_from(
        ["code", "state", "iss", "error", "error_description", "error_uri", "response", "self", "kwargs", "__class__"]
    ),
    st.text(max_size=8),
)
_callback_values = st.one_of(st.sampled_from(["c", "s", ISSUER, "login_required", ""]), st.text(max_size=20))
_query_strings = st.lists(st.tuples(_callback_names, _callback_values), max_size=6).map(urlencode)
_callback_urls = st.tuples(
    st.sampled_from(
        ["https://app.example/cb?", "https://app.example/cb#", "https://[::1/cb?", f"{REDIRECT_URI}?x=1#", "?", "#"]
    ),
    _query_strings,
).map("".join)
_callback_mappings = st.dictionaries(
    st.one_of(_callback_names, st.integers(), st.none()),
    st.one_of(_callback_values, st.lists(_callback_values, max_size=2), st.integers(), st.none()),
    max_size=5,
)
_CALLBACK_REQUESTS = [
    make(state="s"),
    make(state=None),
    make(state="s", issuer=ISSUER, authorization_response_iss_parameter_supported=True),
    make(state="s", response_mode="fragment"),
    make(
        state="s",
        issuer=ISSUER,
        response_mode="query.jwt",
        authorization_server_jwks=JwkSet(keys=[Jwk.generate(alg="ES256", kid="k").public_jwk()]),
    ),
]


@settings(max_examples=300, deadline=None)
@given(
    request_index=st.integers(min_value=0, max_value=len(_CALLBACK_REQUESTS) - 1),
    callback=st.one_of(
        st.text(alphabet=st.characters(), max_size=80),  # any code point, surrogates included
        _query_strings,
        _callback_urls,
        _callback_urls.map(_as_yarl),
        _callback_mappings,
    ),
)
def test_any_callback_gives_a_response_or_a_typed_error(request_index: int, callback: Any) -> None:
    """Whatever reaches the redirect URI (a str, a query string, a yarl URL, a mapping): a typed outcome only."""
    azr = _CALLBACK_REQUESTS[request_index]
    try:
        response = azr.validate_callback(callback)
    except (InvalidAuthResponse, AuthorizationResponseError) as exc:
        assert exc.request is azr or isinstance(exc, InvalidJarmResponse)
        assert exc.url is None or isinstance(exc.url, yarl.URL)
        return
    assert isinstance(response, AuthorizationResponse)
    assert response.code
    assert response.state == azr.state


# ------------------------------------------------------------------------------------------ AuthorizationResponse


def test_authorization_response() -> None:
    response = AuthorizationResponse(code="c", acr_values="a b", custom="x")
    assert response.acr_values == ("a", "b")
    assert response.custom == "x"
    assert response.unknown is None  # published behaviour
    assert not hasattr(response, "__wrapped__")
    assert not hasattr(response, "_repr_html_")
    assert AuthorizationResponse(code="c", _private="p")._private == "p"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        response.code = "d"  # type: ignore[misc]
    assert AuthorizationResponse(code="c", acr_values="").acr_values is None
    assert [a.name for a in attrs.fields(AuthorizationResponse)] == [
        "code",
        "redirect_uri",
        "code_verifier",
        "state",
        "nonce",
        "acr_values",
        "max_age",
        "issuer",
        "dpop_key",
        "kwargs",
    ]


def test_authorization_response_keyword_only() -> None:
    with pytest.raises(TypeError):
        AuthorizationResponse("c")  # type: ignore[misc]


def test_authorization_response_copy_pickle_and_repr() -> None:
    response = AuthorizationResponse(code="secret-code", code_verifier="secret-verifier", state="s", custom="x")
    for clone in (copy.deepcopy(response), pickle.loads(pickle.dumps(response))):  # noqa: S301
        assert clone == response
    assert "secret-code" not in repr(response)
    assert "secret-verifier" not in repr(response)


# ------------------------------------------------------------------------------------------ JAR


@pytest.fixture(scope="module")
def client_key() -> Jwk:
    return Jwk.generate(alg="ES256", kid="client-key")


FROZEN = datetime(2024, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
FROZEN_TS = int(FROZEN.timestamp())


@freeze_time(FROZEN)
def test_sign_request_jwt(client_key: Jwk) -> None:
    azr = make(issuer=ISSUER, max_age=0, authorization_details=[{"type": "t"}], resource=["r1", "r2"], custom="x")
    jwt = azr.sign_request_jwt(client_key)
    assert isinstance(jwt, SignedJwt)
    assert jwt.verify_signature(client_key.public_jwk())
    assert jwt.headers == {"alg": "ES256", "typ": "oauth-authz-req+jwt", "kid": "client-key"}
    claims = jwt.claims
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == ISSUER
    assert claims["iat"] == FROZEN_TS
    assert claims["nbf"] == FROZEN_TS
    assert claims["exp"] == FROZEN_TS + 60
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 20
    assert claims["client_id"] == CLIENT_ID
    assert claims["redirect_uri"] == REDIRECT_URI
    assert claims["response_type"] == "code"
    assert claims["scope"] == "openid"
    assert claims["state"] == azr.state
    assert claims["nonce"] == azr.nonce
    assert claims["code_challenge"] == azr.code_challenge
    assert claims["code_challenge_method"] == "S256"
    assert claims["max_age"] == 0  # a JSON number in a request object
    assert claims["authorization_details"] == [{"type": "t"}]  # a JSON array, not a string
    assert claims["resource"] == ["r1", "r2"]
    assert claims["custom"] == "x"
    assert "code_verifier" not in claims
    assert azr.sign_request_jwt(client_key).claims["jti"] != claims["jti"]


@freeze_time(FROZEN)
def test_sign_request_jwt_lifetime_and_alg() -> None:
    key = Jwk.generate(alg="RS256").with_kid_thumbprint()
    bare_key = Jwk({k: v for k, v in key.items() if k != "alg"})
    jwt = make(issuer=ISSUER).sign_request_jwt(bare_key, alg="PS256", lifetime=300)
    assert jwt.alg == "PS256"
    assert jwt.claims["exp"] == FROZEN_TS + 300
    assert jwt.verify_signature(bare_key.public_jwk(), alg="PS256")


def test_sign_request_jwt_without_issuer(client_key: Jwk) -> None:
    jwt = make().sign_request_jwt(client_key)
    assert "aud" not in jwt.claims
    assert jwt.claims["iss"] == CLIENT_ID


def test_sign_request_jwt_protocol_claims_win(client_key: Jwk) -> None:
    jwt = make(issuer=ISSUER, iss="evil", jti="fixed", exp=1).sign_request_jwt(client_key)
    assert jwt.claims["iss"] == CLIENT_ID
    assert jwt.claims["jti"] != "fixed"
    assert jwt.claims["exp"] > 1


@freeze_time(FROZEN)
def test_sign(client_key: Jwk) -> None:  # §18.41
    key = FakeDPoPKey()
    azr = make(issuer=ISSUER, dpop_key=key)
    signed = azr.sign(client_key, lifetime=60, extra="1")
    assert isinstance(signed, RequestParameterAuthorizationRequest)
    assert isinstance(signed.request, SignedJwt)
    assert signed.request.claims["iat"] == FROZEN_TS
    assert signed.request.claims["exp"] == FROZEN_TS + 60
    assert signed.expires_at == datetime.fromtimestamp(FROZEN_TS + 60, tz=timezone.utc)
    assert signed.extra == "1"
    assert signed.client_id == CLIENT_ID
    assert signed.authorization_endpoint == ENDPOINT
    assert signed.dpop_key is key
    params = params_of(signed.uri)
    assert params == {"client_id": [CLIENT_ID], "request": [str(signed.request)], "extra": ["1"]}
    assert list(signed.args) == ["client_id", "request", "extra"]
    assert repr(signed) == signed.uri
    assert str(signed) == signed.uri
    assert signed.furl.args["request"] == str(signed.request)
    assert not hasattr(signed, "missing")


def test_sign_and_encrypt(client_key: Jwk) -> None:  # §18.41
    as_enc_key = Jwk.generate(alg="ECDH-ES+A128KW", crv="P-256", kid="as-enc")
    azr = make(issuer=ISSUER)
    jwe = azr.sign_and_encrypt_request_jwt(client_key, as_enc_key.public_jwk())
    assert isinstance(jwe, JweCompact)
    assert jwe.enc == "A128CBC-HS256"
    inner = Jwt.decrypt_nested_jwt(jwe, as_enc_key)
    assert inner.verify_signature(client_key.public_jwk())
    assert inner.headers["typ"] == "oauth-authz-req+jwt"
    assert inner.claims["aud"] == ISSUER
    assert inner.claims["state"] == azr.state

    signed = azr.sign_and_encrypt(client_key, as_enc_key.public_jwk(), enc="A256GCM", lifetime=120)
    assert isinstance(signed, RequestParameterAuthorizationRequest)
    assert isinstance(signed.request, JweCompact)
    assert signed.request.enc == "A256GCM"
    inner = Jwt.decrypt_nested_jwt(signed.request, as_enc_key)
    assert signed.expires_at == inner.expires_at
    assert inner.claims["exp"] - inner.claims["iat"] == 120
    assert params_of(signed.uri)["request"] == [str(signed.request)]


def test_sign_and_encrypt_to_the_as_key_chosen_in_its_jwks(client_key: Jwk) -> None:  # RFC 9101 §6.1
    rsa = Jwk.generate(alg="RSA-OAEP-256", kid="as-rsa")
    ec = Jwk.generate(alg="ECDH-ES", crv="P-256", kid="as-ec")
    as_jwks = JwkSet(keys=[Jwk.generate(alg="ES256", kid="as-sig").public_jwk(), rsa.public_jwk(), ec.public_jwk()])
    azr = make(issuer=ISSUER, authorization_server_jwks=as_jwks)
    # the request's own AS keys, by default; or a JWKS given as a dict
    for jwks in (None, as_jwks.to_dict()):
        jwe = azr.sign_and_encrypt_request_jwt(client_key, jwks, enc_alg="ECDH-ES", enc="A256GCM")
        assert (jwe.alg, jwe.enc, jwe.kid) == ("ECDH-ES", "A256GCM", "as-ec")
        assert Jwt.decrypt_nested_jwt(jwe, ec).claims["state"] == azr.state
    signed = azr.sign_and_encrypt(client_key, enc_alg="RSA-OAEP-256")
    assert signed.request.kid == "as-rsa"  # type: ignore[union-attr]
    assert Jwt.decrypt_nested_jwt(signed.request, rsa).verify_signature(client_key.public_jwk())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="enc_alg"):  # which key?
        azr.sign_and_encrypt(client_key)
    with pytest.raises(ValueError, match="RSA-OAEP"):  # no key of that alg
        azr.sign_and_encrypt(client_key, enc_alg="RSA-OAEP")
    with pytest.raises(ValueError, match="no encryption key"):
        make(issuer=ISSUER).sign_and_encrypt(client_key, enc_alg="ECDH-ES")


def test_request_parameter_from_str(client_key: Jwk) -> None:
    jwt = make().sign_request_jwt(client_key)
    rpar = RequestParameterAuthorizationRequest(ENDPOINT, CLIENT_ID, str(jwt), expires_in=60, foo="bar")
    assert isinstance(rpar.request, SignedJwt)
    assert rpar.request == jwt
    assert rpar.expires_at is not None
    assert rpar.foo == "bar"
    assert rpar == RequestParameterAuthorizationRequest(ENDPOINT, CLIENT_ID, jwt, expires_at=rpar.expires_at, foo="bar")
    with pytest.raises(TypeError):
        RequestParameterAuthorizationRequest(ENDPOINT, CLIENT_ID, 42)  # type: ignore[arg-type]
    for clone in (copy.deepcopy(rpar), pickle.loads(pickle.dumps(rpar))):  # noqa: S301
        assert clone == rpar


def test_request_parameter_fields() -> None:
    assert [a.name for a in attrs.fields(RequestParameterAuthorizationRequest)] == [
        "authorization_endpoint",
        "client_id",
        "request",
        "expires_at",
        "dpop_key",
        "kwargs",
    ]


# ------------------------------------------------------------------------------------------ PAR result


@freeze_time(FROZEN)
def test_request_uri_parameter_authorization_request() -> None:
    key = FakeDPoPKey()
    rupar = RequestUriParameterAuthorizationRequest(
        ENDPOINT, client_id=CLIENT_ID, request_uri="urn:ietf:params:oauth:request_uri:abc", expires_in=90, dpop_key=key
    )
    assert rupar.expires_at == datetime.fromtimestamp(FROZEN_TS + 90, tz=timezone.utc)
    assert rupar.dpop_key is key
    assert rupar.uri == f"{ENDPOINT}?client_id={CLIENT_ID}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc"
    assert repr(rupar) == rupar.uri
    assert rupar.furl.args["request_uri"] == "urn:ietf:params:oauth:request_uri:abc"
    assert [a.name for a in attrs.fields(RequestUriParameterAuthorizationRequest)] == [
        "authorization_endpoint",
        "client_id",
        "request_uri",
        "expires_at",
        "dpop_key",
        "kwargs",
    ]
    with pytest.raises(TypeError):
        RequestUriParameterAuthorizationRequest(ENDPOINT, CLIENT_ID, "urn:x")  # type: ignore[misc]
    with_extra = RequestUriParameterAuthorizationRequest(ENDPOINT, client_id=CLIENT_ID, request_uri="u", x="y")
    assert with_extra.x == "y"
    assert params_of(with_extra.uri)["x"] == ["y"]
    assert with_extra.expires_at is None
    with pytest.raises(AttributeError):
        _ = with_extra.missing
    assert pickle.loads(pickle.dumps(with_extra)) == with_extra  # noqa: S301


# ------------------------------------------------------------------------------------------ JARM


@pytest.fixture(scope="module")
def as_key() -> Jwk:
    return Jwk.generate(alg="ES256", kid="as-sig")


@pytest.fixture(scope="module")
def as_jwks(as_key: Jwk) -> JwkSet:
    return JwkSet(keys=[as_key.public_jwk()])


def jarm_request(as_jwks: JwkSet | None, **kwargs: Any) -> AuthorizationRequest:
    return make(issuer=ISSUER, response_mode="query.jwt", authorization_server_jwks=as_jwks, **kwargs)


def jarm_jwt(key: Jwk, **claims: Any) -> str:
    base = {"iss": ISSUER, "aud": CLIENT_ID, "exp": int(datetime.now(tz=timezone.utc).timestamp()) + 60}
    base.update(claims)
    return str(Jwt.sign({k: v for k, v in base.items() if v is not None}, key))


def test_jarm_valid(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    response = azr.validate_callback(f"{REDIRECT_URI}?response={jarm_jwt(as_key, code='c', state=azr.state)}")
    assert response.code == "c"
    assert response.state == azr.state
    assert response.issuer == ISSUER
    assert response.iss == ISSUER
    assert response.code_verifier == azr.code_verifier
    assert "aud" not in response.kwargs
    assert "exp" not in response.kwargs


def test_jarm_in_args(as_jwks: JwkSet) -> None:
    assert params_of(jarm_request(as_jwks).uri)["response_mode"] == ["query.jwt"]


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.example.com"}, "`iss`"),
        ({"aud": "someone-else"}, "`aud`"),
        ({"exp": 1000}, "expired"),
        ({"exp": None}, "`exp`"),
    ],
)
def test_jarm_refused_claims(as_key: Jwk, as_jwks: JwkSet, claims: dict[str, Any], message: str) -> None:
    azr = jarm_request(as_jwks)
    callback = f"{REDIRECT_URI}?response={jarm_jwt(as_key, code='c', state=azr.state, **claims)}"
    with pytest.raises(InvalidJarmResponse, match=message) as exc_info:
        azr.validate_callback(callback)
    assert isinstance(exc_info.value, InvalidAuthResponse)
    assert exc_info.value.request is azr
    assert exc_info.value.response == callback


def test_jarm_bad_signature(as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    forged = jarm_jwt(Jwk.generate(alg="ES256", kid="as-sig"), code="c", state=azr.state)
    with pytest.raises(InvalidJarmResponse, match="signature"):
        azr.validate_callback(f"response={forged}")


@freeze_time(FROZEN)
def test_jarm_expiry_follows_the_clock(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    token = jarm_jwt(as_key, code="c", state=azr.state, exp=FROZEN_TS + 10)
    assert azr.validate_callback(f"response={token}").code == "c"
    with (
        freeze_time(datetime.fromtimestamp(FROZEN_TS + 11, tz=timezone.utc)),
        pytest.raises(InvalidJarmResponse, match="expired"),
    ):
        azr.validate_callback(f"response={token}")


def test_jarm_state_and_error_checked_after_verification(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    with pytest.raises(MismatchingState):
        azr.validate_callback(f"response={jarm_jwt(as_key, code='c', state='other')}")
    with pytest.raises(LoginRequired):
        azr.validate_callback(f"response={jarm_jwt(as_key, error='login_required', state=azr.state)}")
    with pytest.raises(MissingAuthCode):
        azr.validate_callback(f"response={jarm_jwt(as_key, state=azr.state)}")


def test_jarm_outer_params_are_ignored(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    token = jarm_jwt(as_key, code="good", state=azr.state)
    response = azr.validate_callback(f"response={token}&code=injected&state=injected")
    assert response.code == "good"


def test_jarm_downgrade_refused(as_jwks: JwkSet) -> None:
    azr = jarm_request(as_jwks)
    with pytest.raises(InvalidJarmResponse, match="`response` parameter is expected"):
        azr.validate_callback(f"code=c&state={azr.state}")


def test_jarm_without_keys(as_key: Jwk) -> None:
    azr = jarm_request(None)
    callback = f"response={jarm_jwt(as_key, code='c', state=azr.state)}"
    with pytest.raises(InvalidJarmResponse, match="authorization_server_jwks"):
        azr.validate_callback(callback)
    with pytest.raises(InvalidJarmResponse, match="authorization_server_jwks"):
        jarm_request(JwkSet()).validate_callback(callback)


def test_jarm_keys_override(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = jarm_request(None)
    callback = f"response={jarm_jwt(as_key, code='c', state=azr.state)}"
    assert azr.validate_callback(callback, authorization_server_jwks=as_jwks).code == "c"
    assert azr.validate_callback(callback, authorization_server_jwks=as_jwks.to_dict()).code == "c"
    other = JwkSet(keys=[Jwk.generate(alg="ES256", kid="as-sig").public_jwk()])
    with pytest.raises(InvalidJarmResponse):
        jarm_request(as_jwks).validate_callback(callback, authorization_server_jwks=other)


def test_jarm_needs_issuer(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = make(response_mode="jwt", authorization_server_jwks=as_jwks)
    with pytest.raises(InvalidJarmResponse, match="issuer"):
        azr.validate_callback(f"response={jarm_jwt(as_key, code='c', state=azr.state)}")


def test_jarm_response_param_without_jarm_mode_is_verified(as_key: Jwk, as_jwks: JwkSet) -> None:
    azr = make(issuer=ISSUER, authorization_server_jwks=as_jwks)
    assert azr.validate_callback(f"response={jarm_jwt(as_key, code='c', state=azr.state)}").code == "c"
    with pytest.raises(InvalidJarmResponse):
        azr.validate_callback("response=garbage")


@pytest.mark.parametrize("mode", ["jwt", "fragment.jwt", "form_post.jwt"])
def test_jarm_other_modes(as_key: Jwk, as_jwks: JwkSet, mode: str) -> None:
    azr = make(issuer=ISSUER, response_mode=mode, authorization_server_jwks=as_jwks)
    token = jarm_jwt(as_key, code="c", state=azr.state)
    if mode == "fragment.jwt":
        assert azr.validate_callback(f"{REDIRECT_URI}#response={token}").code == "c"
    assert azr.validate_callback({"response": token}).code == "c"


def test_jarm_encrypted(as_key: Jwk, as_jwks: JwkSet) -> None:
    enc_key = Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256", kid="client-enc")
    azr = jarm_request(as_jwks)
    jwe = Jwt.sign({"iss": ISSUER, "aud": CLIENT_ID, "exp": 2**40, "code": "c", "state": azr.state}, as_key).encrypt(
        enc_key.public_jwk(), enc="A256GCM"
    )
    with pytest.raises(InvalidJarmResponse, match="no decryption key"):
        azr.validate_callback(f"response={jwe}")
    assert azr.validate_callback(f"response={jwe}", authorization_response_decryption_key=enc_key).code == "c"
    with_key = jarm_request(as_jwks, authorization_response_decryption_key=dict(enc_key), state=azr.state)
    assert with_key.validate_callback(f"response={jwe}").code == "c"
    assert enc_key["d"] not in repr(with_key)


def test_check_issuer_refuses_a_response_of_another_issuer() -> None:
    from requests_oauth2client.exceptions import IssuerMixUp, MismatchingIssuer

    for response in (
        AuthorizationResponse(code="c", issuer="https://as-a.example.com"),
        AuthorizationResponse(code="c", iss="https://as-a.example.com"),
    ):
        with pytest.raises(MismatchingIssuer) as exc_info:
            response.check_issuer("https://as-b.example.com")
        assert isinstance(exc_info.value, IssuerMixUp)
        assert exc_info.value.response is response
        response.check_issuer("https://as-a.example.com")
        response.check_issuer(None)
    AuthorizationResponse(code="c").check_issuer("https://as-b.example.com")


def test_jarm_alg_is_the_registered_one(as_key: Jwk, as_jwks: JwkSet) -> None:
    """`authorization_signed_response_alg`: a JARM response signed with another alg is refused."""
    strict = jarm_request(as_jwks, authorization_signed_response_alg="PS256")
    assert "authorization_signed_response_alg" not in strict.args  # not a request parameter
    with pytest.raises(InvalidJarmResponse):
        strict.validate_callback(f"{REDIRECT_URI}?response={jarm_jwt(as_key, code='c', state=strict.state)}")
    matching = jarm_request(as_jwks, authorization_signed_response_alg="ES256")
    response = matching.validate_callback(f"{REDIRECT_URI}?response={jarm_jwt(as_key, code='c', state=matching.state)}")
    assert response.code == "c"
    assert AuthorizationRequest(**matching.as_dict()).authorization_signed_response_alg == "ES256"
    assert "authorization_signed_response_alg" not in jarm_request(as_jwks).as_dict()
