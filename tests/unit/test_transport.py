import json
import logging
from typing import Any

import pytest
import requests
import requests_mock
from hypothesis import given
from hypothesis import strategies as st
from requests_mock import ANY

from requests_oauth2client._http.transport import (
    MAX_DOCUMENT_REDIRECTS,
    MAX_DPOP_NONCE_ATTEMPTS,
    endpoint_error,
    get_json_document,
    json_body,
    raise_endpoint_error,
    read_json_object,
    send_to_endpoint,
)
from requests_oauth2client.client_authentication import TlsClientAuth
from requests_oauth2client.exceptions import (
    ERROR_CLASSES,
    DiscoveryHTTPError,
    DiscoveryRedirectError,
    EndpointError,
    FailedDiscoveryError,
    InvalidGrant,
    InvalidTokenResponse,
    OAuth2Error,
    RevocationError,
    ServerUnavailable,
    TokenEndpointError,
    UnexpectedRedirect,
    UnknownTokenEndpointError,
    endpoint_error_class,
)
from requests_oauth2client.mtls import MissingClientCertificate
from requests_oauth2client.tokens import BearerToken

URL = "https://as.example.com/token"


class FakeClient:
    exception_classes = ERROR_CLASSES
    token_endpoint = URL
    timeout = 10.0

    def __init__(self) -> None:
        self.session = requests.Session()
        self.auth = None


class FakeDPoPKey:
    """Duck-typed DPoP key recording the nonces of the proofs it signs."""

    def __init__(self) -> None:
        self.as_nonce: str | None = None
        self.proof_nonces: list[str | None] = []

    def compact_proof(self, htm: str, htu: str, nonce: str | None = None) -> str:
        self.proof_nonces.append(nonce)
        return f"proof-{len(self.proof_nonces)}"

    def as_nonce_for(self, url: str) -> str | None:
        return self.as_nonce

    def update_as_nonce(self, response: requests.Response) -> bool:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self.as_nonce = nonce
        return bool(nonce)

    def handle_as_provided_dpop_nonce(self, response: requests.Response) -> None:
        from requests_oauth2client.dpop import MissingDPoPNonce, RepeatedDPoPNonce

        nonce = response.headers.get("DPoP-Nonce")
        if not nonce:
            raise MissingDPoPNonce(response)
        if nonce == self.as_nonce:
            raise RepeatedDPoPNonce(response)
        self.as_nonce = nonce


def ok(response: requests.Response, *, dpop_key: Any = None) -> Any:
    return response.json()


def fail(response: requests.Response, *, dpop_key: Any = None) -> Any:
    raise_endpoint_error(
        FakeClient(),
        response,
        family=TokenEndpointError,
        unknown_error=UnknownTokenEndpointError,
        invalid_response=InvalidTokenResponse,
    )


def test_success_and_form_without_none_values(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, json={"a": 1})
    assert send_to_endpoint(FakeClient(), "token", URL, data={"x": "1", "y": None}, on_success=ok, on_failure=fail) == {
        "a": 1
    }
    assert requests_mock.last_request.text == "x=1"
    assert requests_mock.last_request.headers["Accept"] == "application/json"


def test_error_is_mapped(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL, status_code=400, json={"error": "invalid_grant", "error_description": "d", "error_uri": "u"}
    )
    with pytest.raises(InvalidGrant) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    exc = exc_info.value
    assert (exc.error, exc.description, exc.uri) == ("invalid_grant", "d", "u")
    assert exc.response.status_code == 400
    assert str(exc) == f"The token endpoint ({URL}) answered HTTP 400, error `invalid_grant`: d (see u)"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"json": {"error": "whatever"}}, endpoint_error_class(UnknownTokenEndpointError, TokenEndpointError)),
        ({"text": "<html>oops</html>"}, InvalidTokenResponse),
        ({"json": ["error"]}, InvalidTokenResponse),
        ({"json": {"error": 1}}, InvalidTokenResponse),
        ({"text": '{"error": "inv'}, InvalidTokenResponse),
    ],
)
def test_non_standard_errors(requests_mock: requests_mock.Mocker, kwargs: dict[str, Any], expected: type) -> None:
    requests_mock.post(URL, status_code=400, **kwargs)
    with pytest.raises(expected) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    assert type(exc_info.value) is expected


def test_description_of_wrong_type_is_ignored(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "invalid_grant", "error_description": ["x"]})
    with pytest.raises(InvalidGrant) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    assert exc_info.value.description is None


def test_revocation_style_returns_instead_of_raising(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, text="nope")
    assert endpoint_error(FakeClient(), requests.post(URL), family=RevocationError) is None


def test_dpop_nonce_retry(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": "n1"}},
            {"json": {"ok": True}, "headers": {"DPoP-Nonce": "n2"}},
        ],
    )
    key = FakeDPoPKey()
    result = send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=key)
    assert result == {"ok": True}
    assert key.proof_nonces == [None, "n1"]
    assert [r.headers["DPoP"] for r in requests_mock.request_history] == ["proof-1", "proof-2"]
    assert key.as_nonce == "n2"  # a nonce on a successful answer is kept for the next request


def test_dpop_nonce_retry_is_bounded(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": f"n{i}"}}
            for i in range(10)
        ],
    )
    with pytest.raises(InvalidTokenResponse, match="in a row"):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=FakeDPoPKey())
    assert requests_mock.call_count == MAX_DPOP_NONCE_ATTEMPTS


@pytest.mark.parametrize("headers", [{}, {"DPoP-Nonce": "same"}])
def test_dpop_nonce_missing_or_repeated(requests_mock: requests_mock.Mocker, headers: dict[str, str]) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "use_dpop_nonce"}, headers=headers)
    key = FakeDPoPKey()
    key.as_nonce = "same"
    with pytest.raises(InvalidTokenResponse):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=key)
    assert requests_mock.call_count == 1


def test_use_dpop_nonce_without_dpop(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "use_dpop_nonce"}, headers={"DPoP-Nonce": "n"})
    with pytest.raises(InvalidTokenResponse, match="does not use DPoP"):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)


def test_debug_log_has_no_secrets(requests_mock: requests_mock.Mocker, caplog: pytest.LogCaptureFixture) -> None:
    requests_mock.post(URL, json={"access_token": "SECRET-TOKEN"})
    with caplog.at_level(logging.DEBUG, logger="requests_oauth2client"):
        send_to_endpoint(
            FakeClient(), "token_endpoint", URL, data={"client_secret": "SECRET-VALUE"}, on_success=ok, on_failure=fail
        )
    messages = [r.getMessage() for r in caplog.records if r.name == "requests_oauth2client"]
    assert len(messages) == 1
    assert "POST token_endpoint" in messages[0]
    assert "HTTP 200" in messages[0]
    assert "SECRET" not in messages[0]


# ------------------------------------------------------------------------------------ JSON bodies, any answer

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
_content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-16",
        "application/json; charset=nonsense",
        "text/html",
        "text/plain; charset=windows-1252",
        "application/problem+json",
        "application/octet-stream",
    ]
)
_error_like = st.fixed_dictionaries(
    {},
    optional={
        "error": st.sampled_from(["invalid_grant", "slow_down", "use_dpop_nonce", "unknown", ""]) | _json_values,
        "error_description": st.text(max_size=20) | _json_values,
        "error_uri": st.text(max_size=20) | _json_values,
    },
)
# bodies as a server may send them: UTF-8 JSON, other encodings of JSON, truncated JSON, any bytes
_bodies = st.one_of(
    (_error_like | _json_values).map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    (_error_like | _json_values).map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-16")),
    st.tuples(_error_like.map(lambda v: json.dumps(v).encode()), st.integers(0, 60)).map(lambda t: t[0][: t[1]]),
    st.binary(max_size=40),
)


def make_response(status: int, content: bytes, content_type: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = content
    if content_type is not None:
        response.headers["Content-Type"] = content_type
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.url = URL
    return response


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/plain", "application/json; charset=iso-8859-1", "application/json"]
)
def test_json_body_is_utf8_whatever_the_content_type(content_type: str) -> None:
    body = {"access_token": "tøkën ☕", "n": "Ωmega"}
    response = make_response(200, json.dumps(body, ensure_ascii=False).encode(), content_type)
    assert json_body(response) == body
    assert read_json_object(response) == body


@pytest.mark.parametrize("content", [b"", b"NaN", b'{"a": -Infinity}', b"\xff\xfe{\x00}\x00", b"[" * 50_000, b"{"])
def test_json_body_refuses_what_is_not_utf8_json(content: bytes) -> None:
    response = make_response(200, content, "application/json")
    with pytest.raises(ValueError):
        json_body(response)
    assert read_json_object(response) is None


@given(_json_values, _content_types)
def test_json_body_reads_back_any_json_value(value: object, content_type: str | None) -> None:
    assert json_body(make_response(200, json.dumps(value, ensure_ascii=False).encode(), content_type)) == value


@given(st.binary(max_size=60), _content_types)
def test_json_body_of_any_bytes_is_a_value_or_a_value_error(content: bytes, content_type: str | None) -> None:
    response = make_response(200, content, content_type)
    try:
        json_body(response)
    except ValueError:
        assert read_json_object(response) is None


@given(st.integers(min_value=100, max_value=599), _bodies, _content_types)
def test_any_error_answer_raises_a_typed_error_carrying_it(
    status: int, content: bytes, content_type: str | None
) -> None:
    response = make_response(status, content, content_type)
    with pytest.raises(OAuth2Error) as exc_info:
        raise_endpoint_error(
            FakeClient(),
            response,
            family=TokenEndpointError,
            unknown_error=UnknownTokenEndpointError,
            invalid_response=InvalidTokenResponse,
        )
    exc = exc_info.value
    assert exc.response is response
    if isinstance(exc, EndpointError):
        assert isinstance(exc, TokenEndpointError)
        assert isinstance(exc.error, str)
        assert exc.error
        assert exc.description is None or isinstance(exc.description, str)
        assert exc.uri is None or isinstance(exc.uri, str)
    elif status >= 500:
        assert isinstance(exc, InvalidTokenResponse) and isinstance(exc, ServerUnavailable)
    else:
        assert type(exc) is InvalidTokenResponse
    assert str(exc).startswith(f"The token endpoint ({URL}) answered HTTP {status}")


@given(st.integers(min_value=100, max_value=599), _bodies, _content_types)
def test_any_revocation_style_answer_returns_or_raises_an_endpoint_error(
    status: int, content: bytes, content_type: str | None
) -> None:
    response = make_response(status, content, content_type)
    error = endpoint_error(FakeClient(), response, family=RevocationError)
    assert error is None or (isinstance(error, RevocationError) and error.response is response)


# ----------------------------------------------------------------------------------------------------- redirects

EVIL = "https://evil.example.net/collect"
DOC = "https://as.example.com/.well-known/openid-configuration"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", [EVIL, "https://as.example.com/other-token", "/relative-token"])
def test_a_post_never_follows_a_redirect(requests_mock: requests_mock.Mocker, status: int, target: str) -> None:
    requests_mock.post(URL, status_code=status, headers={"Location": target})
    other = requests_mock.register_uri(ANY, EVIL, json={"access_token": "from-evil"})
    same_origin = requests_mock.register_uri(ANY, "https://as.example.com/other-token", json={"access_token": "x"})
    relative = requests_mock.register_uri(ANY, "https://as.example.com/relative-token", json={})
    with pytest.raises(UnexpectedRedirect) as exc_info:
        send_to_endpoint(
            FakeClient(), "token_endpoint", URL, data={"client_secret": "SECRET"}, on_success=ok, on_failure=fail
        )
    assert requests_mock.call_count == 1  # nothing is sent again, anywhere
    assert not other.called and not same_origin.called and not relative.called
    exc = exc_info.value
    assert isinstance(exc, OAuth2Error)
    assert exc.response.status_code == status
    assert exc.endpoint == "token_endpoint"
    assert exc.location is not None and exc.location.endswith(target.lstrip("/"))
    assert "The token endpoint" in str(exc) and exc.location in str(exc)
    assert "SECRET" not in str(exc)


def test_a_redirect_is_not_followed_even_when_asked(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=307, headers={"Location": EVIL})
    evil = requests_mock.post(EVIL, json={"access_token": "from-evil"})
    with pytest.raises(UnexpectedRedirect):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, allow_redirects=True)
    assert not evil.called


def test_a_3xx_without_location_is_not_a_success(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=300, json={"access_token": "at"})
    with pytest.raises(UnexpectedRedirect) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    assert exc_info.value.location is None


def test_a_redirect_during_the_dpop_nonce_retry_stops_everything(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": "n1"}},
            {"status_code": 307, "headers": {"Location": EVIL}},
        ],
    )
    evil = requests_mock.post(EVIL, json={})
    with pytest.raises(UnexpectedRedirect):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=FakeDPoPKey())
    assert requests_mock.call_count == 2
    assert not evil.called


def test_a_document_follows_a_redirect_within_its_origin(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(DOC, status_code=301, headers={"Location": "/v2/openid-configuration"})
    requests_mock.get("https://as.example.com/v2/openid-configuration", status_code=302, headers={"Location": "/v3"})
    requests_mock.get("https://as.example.com/v3", json={"issuer": "https://as.example.com"})
    assert get_json_document(requests.Session(), "discovery document", DOC, timeout=10) == {
        "issuer": "https://as.example.com"
    }
    assert requests_mock.call_count == 3


@pytest.mark.parametrize(
    "target",
    [
        EVIL,
        "http://as.example.com/.well-known/openid-configuration",  # another scheme is another origin
        "https://as.example.com:8443/.well-known/openid-configuration",  # and so is another port
        "//evil.example.net/doc",
    ],
)
def test_a_document_never_follows_a_redirect_to_another_origin(
    requests_mock: requests_mock.Mocker, target: str
) -> None:
    requests_mock.get(DOC, status_code=302, headers={"Location": target})
    elsewhere = requests_mock.get(ANY, json={"issuer": "https://evil.example.net"})
    as_doc = requests_mock.get(DOC, status_code=302, headers={"Location": target})
    with pytest.raises(DiscoveryRedirectError) as exc_info:
        get_json_document(requests.Session(), "discovery document", DOC, timeout=10)
    assert as_doc.call_count == 1
    assert not elsewhere.called
    exc = exc_info.value
    assert isinstance(exc, FailedDiscoveryError)
    assert exc.url == DOC
    assert exc.response.status_code == 302
    assert exc.location is not None and exc.location in str(exc)


def test_document_redirects_are_bounded(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(DOC, status_code=302, headers={"Location": DOC})
    with pytest.raises(DiscoveryRedirectError, match="more than"):
        get_json_document(requests.Session(), "discovery document", DOC, timeout=10)
    assert requests_mock.call_count == MAX_DOCUMENT_REDIRECTS + 1


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_a_document_answered_with_an_error_status(requests_mock: requests_mock.Mocker, status: int) -> None:
    requests_mock.get(DOC, status_code=status, text="nope")
    with pytest.raises(requests.HTTPError) as exc_info:
        get_json_document(requests.Session(), "discovery document", DOC, timeout=10)
    exc = exc_info.value
    assert isinstance(exc, DiscoveryHTTPError)
    assert isinstance(exc, FailedDiscoveryError)
    assert exc.response is not None and exc.response.status_code == status
    assert exc.url == DOC
    assert str(status) in str(exc)


# ------------------------------------------------------------------------------------------------------ TLS


@pytest.fixture
def environment_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment names a CA bundle, which `requests` would let win over the session's `verify`."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/environment/ca.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/environment/ca.pem")
    return "/environment/ca.pem"


@pytest.mark.parametrize("verify", ["/session/ca.pem", False])
def test_the_session_verify_applies_whatever_the_environment_says(environment_ca_bundle: str, verify: Any) -> None:
    client = FakeClient()
    client.session.verify = verify
    with requests_mock.Mocker() as mocker:
        mocker.post(URL, json={"ok": True})
        mocker.get("https://as.example.com/jwks", json={"keys": []})
        send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail, auth=False)
        assert mocker.last_request.verify == verify
        get_json_document(client.session, "jwks_uri", "https://as.example.com/jwks")
        assert mocker.last_request.verify == verify
        # a `verify` given to the call wins; the default session leaves the environment's bundle to requests
        send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail, verify=True)
        assert mocker.last_request.verify == environment_ca_bundle
        plain = FakeClient()
        send_to_endpoint(plain, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail, auth=False)
        assert mocker.last_request.verify == environment_ca_bundle


def test_the_client_certificate_goes_with_every_request_to_an_endpoint() -> None:
    client = FakeClient()
    client.auth = TlsClientAuth("client", cert=("auth.pem", "auth.key"))  # type: ignore[assignment]
    client.session.cert = ("session.pem", "session.key")
    with requests_mock.Mocker() as mocker:
        mocker.post(URL, json={"ok": True})
        send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail)
        assert mocker.last_request.cert == ("auth.pem", "auth.key")
        assert mocker.last_request.body == "client_id=client"
        # also with another `auth` (a token at the UserInfo endpoint), and a `cert` of the call wins
        send_to_endpoint(client, "userinfo", URL, on_success=lambda r, **kw: r, on_failure=fail, auth=BearerToken("at"))
        assert mocker.last_request.cert == ("auth.pem", "auth.key")
        send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail, cert="c.pem")
        assert mocker.last_request.cert == "c.pem"
        client.auth = TlsClientAuth("client")  # type: ignore[assignment]
        send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail)
        assert mocker.last_request.cert == ("session.pem", "session.key")
        client.session.cert = None
        with pytest.raises(MissingClientCertificate):
            send_to_endpoint(client, "token", URL, data={}, on_success=lambda r, **kw: r, on_failure=fail)
        assert mocker.call_count == 4  # nothing was sent without a certificate
