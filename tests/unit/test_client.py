"""OAuth2Client with mocked HTTP: constructor rules, every grant's wire format, error mapping, bad server input,
revocation, introspection, userinfo, discovery, PAR, CIBA and device authorization requests."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import pytest
import requests
import requests_mock
import requests_mock as requests_mock_module
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwskate import InvalidJwk, JweCompact, Jwk, JwkSet, Jwt, SignedJwt

from requests_oauth2client import (
    AuthorizationPending,
    AuthorizationResponse,
    BackChannelAuthenticationResponse,
    BearerToken,
    ClientSecretBasic,
    ClientSecretPost,
    DeviceAuthorizationError,
    DeviceAuthorizationResponse,
    DPoPKey,
    DPoPToken,
    ExpiredToken,
    IdToken,
    IntrospectionError,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidBackChannelAuthenticationResponse,
    InvalidClientAssertionSigningKeyOrAlg,
    InvalidDeviceAuthorizationResponse,
    InvalidDiscoveryDocument,
    InvalidDPoPAlg,
    InvalidEndpointUri,
    InvalidGrant,
    InvalidIdToken,
    InvalidIssuer,
    InvalidParam,
    InvalidPushedAuthorizationResponse,
    InvalidScopeParam,
    InvalidTokenResponse,
    InvalidUri,
    MissingAuthRequestId,
    MissingDeviceCode,
    MissingEndpointUri,
    MissingIdTokenEncryptedResponseAlgParam,
    MissingIssuerParam,
    MissingRefreshToken,
    OAuth2Client,
    OAuth2Error,
    PrivateKeyJwt,
    PublicApp,
    RequestUriParameterAuthorizationRequest,
    RevocationError,
    SelfSignedTlsClientAuth,
    ServerError,
    SlowDown,
    TlsClientAuth,
    UnknownActorTokenType,
    UnknownIntrospectionError,
    UnknownSubjectTokenType,
    UnknownTokenEndpointError,
    UnknownTokenType,
    UnsupportedClientCredentials,
    UnsupportedTokenType,
)
from requests_oauth2client.exceptions import (
    BackChannelAuthenticationError,
    FailedDiscoveryError,
    InvalidUserinfoResponse,
    MismatchingIssuer,
    MismatchingUserinfoSubject,
    TokenEndpointError,
    UnexpectedRedirect,
)
from requests_oauth2client.mtls import (
    MismatchingCertificateBinding,
    MissingClientCertificate,
    certificate_thumbprint,
)
from requests_oauth2client.tokens import ExpiredAccessToken
from tests.integration.pki import TestPki

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
REVOKE = f"{AS}/revoke"
INTROSPECT = f"{AS}/introspect"
USERINFO = f"{AS}/userinfo"
AUTHZ = f"{AS}/authorize"
PAR = f"{AS}/par"
DEVICE = f"{AS}/device"
CIBA = f"{AS}/bc-authorize"
JWKS = f"{AS}/jwks"
CLIENT_ID = "client-id"
SECRET = "s3cr3t:%+ é"


def form(request: Any) -> dict[str, list[str]]:
    return parse_qs(request.text, keep_blank_values=True)


def single(request: Any) -> dict[str, str]:
    return {k: v[0] for k, v in form(request).items()}


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(
        TOKEN,
        (CLIENT_ID, SECRET),
        revocation_endpoint=REVOKE,
        introspection_endpoint=INTROSPECT,
        userinfo_endpoint=USERINFO,
        authorization_endpoint=AUTHZ,
        pushed_authorization_request_endpoint=PAR,
        device_authorization_endpoint=DEVICE,
        backchannel_authentication_endpoint=CIBA,
        jwks_uri=JWKS,
        redirect_uri="https://app.example.com/cb",
        issuer=AS,
    )


# ---------------------------------------------------------------------------------------------------- constructor


def test_default_auth_is_client_secret_post(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    assert isinstance(client.auth, ClientSecretPost)
    assert client.client_id == CLIENT_ID
    assert client.client_secret == SECRET
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.client_credentials()
    assert single(requests_mock.last_request) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    assert requests_mock.last_request.headers["Accept"] == "application/json"


def test_keywords_select_the_auth_method() -> None:
    assert isinstance(OAuth2Client(TOKEN, client_id="c", client_secret="s").auth, ClientSecretPost)
    assert isinstance(OAuth2Client(TOKEN, client_id="c").auth, PublicApp)
    assert isinstance(OAuth2Client(TOKEN, "c").auth, PublicApp)
    key = Jwk.generate(alg="ES256", kid="k1")
    pkj = OAuth2Client(TOKEN, client_id="c", private_key=key, issuer=AS).auth
    assert isinstance(pkj, PrivateKeyJwt)
    assert pkj.aud == AS
    # the documented `private_jwk=` keyword configures private_key_jwt (not silently ignored)
    client = OAuth2Client(TOKEN, client_id="c", private_jwk=key.to_dict())
    assert isinstance(client.auth, PrivateKeyJwt)
    assert "private_jwk" not in client.extra_metadata
    assert isinstance(OAuth2Client(TOKEN, ("c", key)).auth, PrivateKeyJwt)


@pytest.mark.parametrize(
    "make_client",
    [
        lambda: OAuth2Client(TOKEN, ("cid", {"foo": "bar"})),
        lambda: OAuth2Client(TOKEN, client_id="cid", private_key={"foo": "bar"}),
        lambda: OAuth2Client(TOKEN, client_id="cid", private_jwk={"kty": "RSA"}),
    ],
)
def test_an_invalid_private_key_is_also_a_jwskate_invalid_jwk(make_client: Any) -> None:
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg) as exc_info:
        make_client()
    assert isinstance(exc_info.value, InvalidJwk)  # what the published releases let through


def test_a_private_key_without_alg_uses_the_alg_it_implies(requests_mock: requests_mock.Mocker) -> None:
    key = {name: value for name, value in Jwk.generate(alg="ES384", kid="k").items() if name != "alg"}
    client = OAuth2Client(TOKEN, ("cid", key))
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.client_credentials()
    assertion = SignedJwt(single(requests_mock.last_request)["client_assertion"])
    assert assertion.alg == "ES384"
    assert assertion.verify_signature(Jwk(key).public_jwk(), alg="ES384")


def test_missing_or_conflicting_credentials() -> None:
    with pytest.raises(UnsupportedClientCredentials):
        OAuth2Client(TOKEN)
    with pytest.raises(UnsupportedClientCredentials):
        OAuth2Client(TOKEN, auth=("c", "s"), client_id="c")


def test_endpoint_validation() -> None:
    with pytest.raises(InvalidEndpointUri) as exc_info:
        OAuth2Client("http://as/token", ("c", "s"))
    assert exc_info.value.endpoint == "token_endpoint"
    assert isinstance(exc_info.value, InvalidParam)
    assert OAuth2Client("http://as/token", ("c", "s"), testing=True).token_endpoint == "http://as/token"
    with pytest.raises(InvalidEndpointUri):
        OAuth2Client("https://as", ("c", "s"))
    with pytest.raises(InvalidEndpointUri) as exc_info:
        OAuth2Client(TOKEN, ("c", "s"), revocation_endpoint="https://as/revoke#frag")
    assert exc_info.value.endpoint == "revocation_endpoint"
    with pytest.raises(InvalidIssuer):
        OAuth2Client(TOKEN, ("c", "s"), issuer="http://as")
    assert OAuth2Client(TOKEN, ("c", "s"), redirect_uri="http://localhost/cb").redirect_uri == "http://localhost/cb"


def test_a_plain_http_issuer_is_refused_saying_it_is_the_issuer_and_what_allows_it(
    requests_mock: requests_mock.Mocker,
) -> None:
    with pytest.raises(InvalidIssuer) as exc_info:
        OAuth2Client(TOKEN, ("c", "s"), issuer="http://localhost:8080")
    message = str(exc_info.value)
    assert message.startswith("Invalid issuer 'http://localhost:8080' (the issuer identifier of")
    assert "must use https" in message and "`testing=True` allows plain http" in message
    assert isinstance(exc_info.value, InvalidEndpointUri) and exc_info.value.endpoint == "issuer"
    with pytest.raises(InvalidIssuer) as discovery_exc_info:
        OAuth2Client.from_discovery_endpoint(issuer="http://localhost:8080", client_id="c")
    assert str(discovery_exc_info.value) == message
    assert not requests_mock.called
    with pytest.raises(InvalidEndpointUri, match="`testing=True` allows plain http") as endpoint_exc_info:
        OAuth2Client("http://localhost:8080/token", ("c", "s"))
    assert str(endpoint_exc_info.value).startswith("Invalid endpoint uri 'http://localhost:8080/token' for")
    with pytest.raises(InvalidIssuer) as fragment_exc_info:  # not an https problem: no such hint
        OAuth2Client(TOKEN, ("c", "s"), issuer="https://as#x")
    assert "testing" not in str(fragment_exc_info.value)


def test_the_one_list_of_endpoints_gives_fields_parameters_checks_and_discovery() -> None:
    """`Endpoints` is the one list: each is a field, a keyword of the constructor, checked, and read from metadata."""
    import inspect

    import attrs

    from requests_oauth2client.enums import Endpoints

    fields = [field.name for field in attrs.fields(OAuth2Client)]
    parameters = inspect.signature(OAuth2Client.__init__).parameters
    urls = {endpoint.value: f"https://as.example.com/{endpoint.name.lower()}" for endpoint in Endpoints}
    for endpoint in Endpoints:
        assert endpoint.value in fields
        assert endpoint.value in parameters
        if endpoint is not Endpoints.TOKEN:
            assert parameters[endpoint.value].default is None
            assert parameters[endpoint.value].kind is inspect.Parameter.KEYWORD_ONLY
            with pytest.raises(InvalidEndpointUri) as exc_info:
                OAuth2Client(TOKEN, ("c", "s"), **{endpoint.value: "https://as.example.com/x#fragment"})
            assert exc_info.value.endpoint == endpoint.value
    client = OAuth2Client(auth=("c", "s"), **urls)
    assert {endpoint.value: getattr(client, endpoint.value) for endpoint in Endpoints} == urls
    discovered = OAuth2Client.from_discovery_document({"issuer": "https://as.example.com", **urls}, client_id="c")
    assert {endpoint.value: getattr(discovered, endpoint.value) for endpoint in Endpoints} == urls


def test_other_constructor_rules() -> None:
    with pytest.raises(MissingIssuerParam):
        OAuth2Client(TOKEN, ("c", "s"), authorization_response_iss_parameter_supported=True)
    with pytest.raises(InvalidDPoPAlg):
        OAuth2Client(TOKEN, ("c", "s"), dpop_alg="HS256")
    enc_key = Jwk.generate(alg="RSA-OAEP-256")
    client = OAuth2Client(TOKEN, ("c", "s"), id_token_decryption_key=enc_key.to_dict())
    assert client.id_token_encrypted_response_alg == "RSA-OAEP-256"
    assert isinstance(client.id_token_decryption_key, Jwk)
    with pytest.raises(MissingIdTokenEncryptedResponseAlgParam):
        OAuth2Client(
            TOKEN, ("c", "s"), id_token_decryption_key={k: v for k, v in enc_key.to_dict().items() if k != "alg"}
        )
    client = OAuth2Client(TOKEN, ("c", "s"), authorization_server_jwks={"keys": []}, foo="bar")
    assert isinstance(client.authorization_server_jwks, JwkSet)
    assert client.extra_metadata == {"foo": "bar"}
    assert isinstance(client.session, requests.Session)


def test_secrets_are_not_in_repr() -> None:
    key = Jwk.generate(alg="ES256", kid="k")
    dec = Jwk.generate(alg="RSA-OAEP-256")
    for client in (
        OAuth2Client(TOKEN, ("c", "topsecret"), id_token_decryption_key=dec),
        OAuth2Client(TOKEN, ClientSecretBasic("c", "topsecret")),
        OAuth2Client(TOKEN, client_id="c", private_key=key),
    ):
        text = repr(client) + str(client)
        assert "topsecret" not in text
        assert key["d"] not in text
        assert dec["d"] not in text


def test_client_jwks() -> None:
    key = Jwk.generate(alg="ES256", kid="k")
    dec = Jwk.generate(alg="RSA-OAEP-256", kid="e")
    jwks = OAuth2Client(TOKEN, client_id="c", private_key=key, id_token_decryption_key=dec).client_jwks
    assert {k.kid for k in jwks.jwks} == {"k", "e"}
    assert all(not k.is_private for k in jwks.jwks)
    assert {k.use for k in jwks.jwks} == {"sig", "enc"}
    assert len(OAuth2Client(TOKEN, ("c", "s")).client_jwks) == 0


# ------------------------------------------------------------------------------------------------- token endpoint


@freeze_time("2024-01-01 00:00:00")
def test_client_credentials_wire_format(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        TOKEN,
        json={"access_token": "at", "token_type": "Bearer", "expires_in": 60, "refresh_token": "rt", "custom": "x"},
    )
    token = client.client_credentials(scope=["a", "b"], resource="r", requests_kwargs={"timeout": 5})
    assert single(requests_mock.last_request) == {
        "grant_type": "client_credentials",
        "scope": "a b",
        "resource": "r",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    assert token.access_token == "at"
    assert token.expires_in == 60
    assert token.refresh_token == "rt"
    assert token.custom == "x"
    with pytest.raises(InvalidScopeParam):
        client.client_credentials(scope=123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ("invalid_grant", InvalidGrant),
        ("server_error", ServerError),
        ("slow_down", SlowDown),
        ("authorization_pending", AuthorizationPending),
        ("expired_token", ExpiredToken),
        ("whatever", UnknownTokenEndpointError),
    ],
)
def test_token_errors(client: OAuth2Client, requests_mock: requests_mock.Mocker, error: str, cls: type) -> None:
    requests_mock.post(TOKEN, status_code=400, json={"error": error, "error_description": "d", "error_uri": "u"})
    with pytest.raises(cls) as exc_info:
        client.client_credentials()
    exc = exc_info.value
    assert isinstance(exc, TokenEndpointError)  # whatever the class of the code: it is raised at the token endpoint
    assert (exc.error, exc.description, exc.uri, exc.client) == (error, "d", "u", client)
    assert exc.response.status_code == 400


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": "<html>Service unavailable</html>"},
        {"json": ["access_token"]},
        {"json": {}},
        {"json": {"access_token": None}},
        {"json": {"access_token": 12}},
        {"json": {"access_token": "at", "token_type": "Mac"}},
        {"json": {"access_token": "at", "expires_in": -10}},
        {"json": {"access_token": "at", "expires_in": 10**20}},
        {"json": {"access_token": "at", "expires_in": "soon"}},
        {"json": {"access_token": "at", "scope": ["a"]}},
        {"json": {"access_token": "at", "refresh_token": 1}},
        {"json": {"access_token": "at", "id_token": "garbage"}},
        {"text": '{"access_token": "at", "tok'},
        {"text": ""},
    ],
)
def test_bad_token_responses(client: OAuth2Client, requests_mock: requests_mock.Mocker, kwargs: dict[str, Any]) -> None:
    requests_mock.post(TOKEN, **kwargs)
    with pytest.raises(InvalidTokenResponse) as exc_info:
        client.client_credentials()
    assert exc_info.value.response is not None
    assert exc_info.value.response.status_code == 200


@freeze_time("2024-01-01 00:00:00")
def test_expires_in_zero_from_the_server_is_already_expired(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    # unlike BearerToken(expires_in=0), which has no expiration date (the documented constructor)
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": 0})
    token = client.client_credentials()
    assert token.expires_at is not None
    assert token.is_expired() is True
    with pytest.raises(ExpiredAccessToken):
        requests.Request("GET", "https://rs.example.com/", auth=token).prepare()
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": "0"})
    assert client.client_credentials().is_expired() is True


@freeze_time("2024-01-01 00:00:00")
@pytest.mark.parametrize("lifetime", [2**31 - 1, "2147483647", 2147483647.0])
def test_long_lived_tokens_are_accepted(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, lifetime: object
) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": lifetime})
    token = client.client_credentials()
    assert token.expires_in == 2**31 - 1
    assert token.is_expired() is False


@freeze_time("2024-01-01 00:00:00")
@pytest.mark.parametrize(("lifetime", "seconds"), [(90.5, 91), (90.0, 90), (" 90 ", 90), (None, None)])
def test_token_lifetimes_follow_the_one_policy(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, lifetime: object, seconds: int | None
) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": lifetime})
    assert client.client_credentials().expires_in == seconds


@pytest.mark.parametrize("name", ["access_token", "refresh_token", "token_type"])
@pytest.mark.parametrize("bad", ["S3CR3T\r\nX-Injected: yes", "S3CR3T\n", "S3CR3T-é", "S3CR3T\x00", "S3CR3T\x7f"])
def test_tokens_outside_vschar_are_refused_without_echo(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, name: str, bad: str
) -> None:
    # RFC 6749 Appendix A.12/A.13/A.17: 1*VSCHAR; such a value would later break, or split, an HTTP header
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", name: bad})
    with pytest.raises(InvalidTokenResponse, match=f"`{name}` is empty or has characters other than printable") as exc:
        client.client_credentials()
    assert "S3CR3T" not in str(exc.value)
    assert "S3CR3T" not in repr(exc.value)
    assert exc.value.response.status_code == 200


def test_a_vschar_token_with_spaces_is_accepted(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": ' a~b c!"#', "token_type": "Bearer"})
    assert client.client_credentials().access_token == ' a~b c!"#'


# the UTF-8 bytes of a JSON body, whatever charset the Content-Type names (RFC 8259 §8.1)
_UTF8_CONTENT_TYPES = ["text/html", "text/plain", "application/json; charset=iso-8859-1", "application/octet-stream"]


def utf8_json(obj: object, content_type: str, status: int = 200) -> dict[str, Any]:
    return {
        "status_code": status,
        "content": json.dumps(obj, ensure_ascii=False).encode(),
        "headers": {"Content-Type": content_type},
    }


@pytest.mark.parametrize("content_type", _UTF8_CONTENT_TYPES)
def test_json_answers_are_read_as_utf8(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, content_type: str
) -> None:
    note = "café ☕ Ωmega"
    requests_mock.post(TOKEN, **utf8_json({"access_token": "at", "token_type": "Bearer", "note": note}, content_type))
    assert client.client_credentials().note == note
    requests_mock.post(TOKEN, **utf8_json({"error": "invalid_grant", "error_description": note}, content_type, 400))
    with pytest.raises(InvalidGrant) as exc_info:
        client.client_credentials()
    assert exc_info.value.description == note
    device = {"device_code": "dc", "user_code": "uc", "verification_uri": "https://as/d", "expires_in": 60, "n": note}
    requests_mock.post(DEVICE, **utf8_json(device, content_type))
    assert client.authorize_device().other["n"] == note
    requests_mock.post(CIBA, **utf8_json({"auth_req_id": "r", "expires_in": 60, "n": note}, content_type))
    assert client.backchannel_authentication_request(login_hint="x").other["n"] == note
    requests_mock.post(PAR, **utf8_json({"request_uri": f"urn:{note}", "expires_in": 60}, content_type, 201))
    assert client.pushed_authorization_request(client.authorization_request()).request_uri == f"urn:{note}"
    requests_mock.post(INTROSPECT, **utf8_json({"active": True, "n": note}, content_type))
    assert client.introspect_token("t") == {"active": True, "n": note}
    requests_mock.post(USERINFO, **utf8_json({"sub": note}, content_type))
    assert client.userinfo("at") == {"sub": note}


@pytest.mark.parametrize(
    "content",
    [b"\xef\xbb\xbf{}", b'{"access_token": "at", "x": NaN}', b'{"access_token": "at", "x": Infinity}', b"\xff{}"],
)
def test_only_utf8_json_is_json(client: OAuth2Client, requests_mock: requests_mock.Mocker, content: bytes) -> None:
    requests_mock.post(TOKEN, content=content, headers={"Content-Type": "application/json"})
    with pytest.raises(InvalidTokenResponse):
        client.client_credentials()


def test_a_byte_order_mark_is_ignored(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, content=b'\xef\xbb\xbf{"access_token": "at"}')
    assert client.client_credentials().access_token == "at"


def test_deeply_nested_json_is_an_invalid_response(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, content=b"[" * 100_000)
    with pytest.raises(InvalidTokenResponse):
        client.client_credentials()
    requests_mock.post(TOKEN, status_code=400, content=b'{"error": ' + b"[" * 100_000)
    with pytest.raises(InvalidTokenResponse):
        client.client_credentials()


def test_error_field_in_a_200_is_an_error(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"error": "invalid_grant", "access_token": "at"})
    with pytest.raises(InvalidGrant):
        client.client_credentials()


def test_non_standard_error_body(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, status_code=500, text="Internal error")
    with pytest.raises(InvalidTokenResponse):
        client.client_credentials()


def test_authorization_code_with_a_string(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.authorization_code("code", code_verifier="v", redirect_uri="https://app/cb", custom="c")
    assert single(requests_mock.last_request) == {
        "grant_type": "authorization_code",
        "code": "code",
        "code_verifier": "v",
        "redirect_uri": "https://app/cb",
        "custom": "c",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }


def test_refresh_token(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at2", "token_type": "Bearer", "refresh_token": "rt2"})
    token = client.refresh_token(BearerToken("at", refresh_token="rt"), scope="a")
    assert single(requests_mock.last_request)["refresh_token"] == "rt"
    assert single(requests_mock.last_request)["scope"] == "a"
    assert token.refresh_token == "rt2"
    client.refresh_token("rt3")
    assert single(requests_mock.last_request)["refresh_token"] == "rt3"
    with pytest.raises(MissingRefreshToken):
        client.refresh_token(BearerToken("x"))


def test_device_code_and_ciba(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.device_code("dc")
    assert single(requests_mock.last_request)["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert single(requests_mock.last_request)["device_code"] == "dc"
    client.ciba("rid")
    assert single(requests_mock.last_request)["grant_type"] == "urn:openid:params:grant-type:ciba"
    assert single(requests_mock.last_request)["auth_req_id"] == "rid"
    client.ciba(BackChannelAuthenticationResponse(auth_req_id="rid2"))
    assert single(requests_mock.last_request)["auth_req_id"] == "rid2"


def test_missing_device_code_or_auth_req_id(client: OAuth2Client) -> None:
    dar = DeviceAuthorizationResponse(device_code="dc", user_code="uc", verification_uri="https://v")
    dar.device_code = None  # type: ignore[assignment]
    with pytest.raises(MissingDeviceCode):
        client.device_code(dar)
    bcar = BackChannelAuthenticationResponse(auth_req_id="r")
    bcar.auth_req_id = None  # type: ignore[assignment]
    with pytest.raises(MissingAuthRequestId):
        client.ciba(bcar)


def test_password_grant(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.resource_owner_password("user", "pass", scope="s")
    assert single(requests_mock.last_request)["grant_type"] == "password"
    assert single(requests_mock.last_request)["username"] == "user"
    assert single(requests_mock.last_request)["password"] == "pass"


def test_token_exchange(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.token_exchange(
        subject_token=BearerToken("sub"),
        actor_token="act",
        actor_token_type="id_token",
        requested_token_type="jwt",
        audience="a",
    )
    assert single(requests_mock.last_request) == {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": "sub",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "actor_token": "act",
        "actor_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "audience": "a",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    client.token_exchange(subject_token=BearerToken("a", refresh_token="r"), subject_token_type="refresh_token")
    assert single(requests_mock.last_request)["subject_token"] == "r"
    with pytest.raises(UnknownSubjectTokenType) as exc_info:
        client.token_exchange(subject_token="raw")
    assert isinstance(exc_info.value, TypeError)
    with pytest.raises(UnknownActorTokenType):
        client.token_exchange(subject_token="raw", subject_token_type="access_token", actor_token="x")


def test_get_token_type() -> None:
    urn = "urn:ietf:params:oauth:token-type:"
    assert OAuth2Client.get_token_type("saml2") == urn + "saml2"
    assert OAuth2Client.get_token_type("foo") == "foo"
    assert OAuth2Client.get_token_type(token=BearerToken("x")) == urn + "access_token"
    assert OAuth2Client.get_token_type("refresh_token", BearerToken("x", refresh_token="r")) == urn + "refresh_token"
    with pytest.raises(UnknownTokenType):
        OAuth2Client.get_token_type(token="raw")
    with pytest.raises(UnknownTokenType):
        OAuth2Client.get_token_type()
    with pytest.raises(UnknownTokenType):
        OAuth2Client.get_token_type("refresh_token", BearerToken("x"))
    with pytest.raises(UnknownTokenType):
        OAuth2Client.get_token_type("id_token", BearerToken("x"))


def test_jwt_bearer(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    key = Jwk.generate(alg="ES256")
    assertion = Jwt.sign({"iss": "x", "sub": "y"}, key=key, alg="ES256")
    client.jwt_bearer(assertion)
    assert single(requests_mock.last_request)["assertion"] == str(assertion)
    client.jwt_bearer(str(assertion))
    assert single(requests_mock.last_request)["assertion"] == str(assertion)
    with pytest.raises(Exception):
        client.jwt_bearer("garbage")
    assert requests_mock.call_count == 2


# ------------------------------------------------------------------------------------------------------- DPoP


def test_dpop_token_request(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        TOKEN,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": "n1"}},
            {"json": {"access_token": "at", "token_type": "DPoP"}},
        ],
    )
    key = DPoPKey.generate()
    token = client.client_credentials(dpop=False, dpop_key=key)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is key
    assert key.as_nonce == "n1"
    proofs = [SignedJwt(r.headers["DPoP"]) for r in requests_mock.request_history]
    assert "nonce" not in proofs[0].claims
    assert proofs[1].claims["nonce"] == "n1"
    assert proofs[1].claims["htu"] == TOKEN
    assert proofs[1].claims["htm"] == "POST"


def test_dpop_answered_with_bearer_gives_a_bearer_token(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    token = client.client_credentials(dpop=True)
    assert type(token) is BearerToken
    prepared = requests.Request("GET", "https://rs/x", auth=token).prepare()
    assert prepared.headers["Authorization"] == "Bearer at"
    assert "DPoP" not in prepared.headers


@pytest.mark.parametrize("answer", [{}, {"token_type": None}, {"token_type": "dpop"}], ids=repr)
def test_dpop_answered_without_token_type_keeps_the_dpop_token(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, answer: dict[str, Any]
) -> None:
    """Only an explicit `token_type: Bearer` downgrades: a DPoP-bound token sent as Bearer would be refused."""
    requests_mock.post(TOKEN, json={"access_token": "at", "expires_in": 60, **answer})
    key = DPoPKey.generate()
    token = client.client_credentials(dpop_key=key)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is key
    assert token.token_type.lower() == "dpop"
    prepared = requests.Request("GET", "https://rs.example.com/x", auth=token).prepare()
    assert prepared.headers["Authorization"] == "DPoP at"
    assert SignedJwt(prepared.headers["DPoP"]).claims["ath"]
    # without DPoP, a missing token_type still gives a Bearer token; an unknown one is refused, with DPoP or not
    requests_mock.post(TOKEN, json={"access_token": "at"})
    assert type(client.client_credentials()) is BearerToken
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "N_A"})
    with pytest.raises(InvalidTokenResponse):
        client.client_credentials(dpop_key=key)


def test_dpop_key_generator_is_used_once() -> None:
    calls: list[str] = []

    def generator(alg: str) -> DPoPKey:
        calls.append(alg)
        return DPoPKey.generate(alg)

    client = OAuth2Client(
        TOKEN, ("c", "s"), dpop_key_generator=generator, dpop_alg="ES384", dpop_bound_access_tokens=True
    )
    with requests_mock.Mocker() as m:
        m.post(TOKEN, json={"access_token": "at", "token_type": "DPoP"})
        token = client.client_credentials()
        assert calls == ["ES384"]
        assert isinstance(token, DPoPToken)
        assert token.dpop_key.alg == "ES384"
        refreshed = OAuth2Client(TOKEN, ("c", "s")).refresh_token(
            DPoPToken("at", refresh_token="rt", _dpop_key=token.dpop_key)
        )
        assert isinstance(refreshed, DPoPToken)
        assert refreshed.dpop_key is token.dpop_key
        assert calls == ["ES384"]


# ------------------------------------------------------------------------------ revocation, introspection, userinfo


def test_revocation(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(REVOKE, status_code=200)
    assert client.revoke_access_token("t") is True
    assert single(requests_mock.last_request)["token"] == "t"
    assert single(requests_mock.last_request)["token_type_hint"] == "access_token"
    assert client.revoke_refresh_token(BearerToken("at", refresh_token="rt")) is True
    assert single(requests_mock.last_request)["token"] == "rt"
    assert single(requests_mock.last_request)["token_type_hint"] == "refresh_token"
    assert client.revoke_token("t") is True
    assert "token_type_hint" not in single(requests_mock.last_request)
    with pytest.raises(MissingRefreshToken):
        client.revoke_refresh_token(BearerToken("at"))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"text": "no"}, False),
        ({"json": {"error": "unsupported_token_type"}}, UnsupportedTokenType),
        ({"json": {"error": "whatever"}}, RevocationError),
        ({"json": {"error": "invalid_client"}}, None),
    ],
)
def test_revocation_errors(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, kwargs: dict[str, Any], expected: Any
) -> None:
    requests_mock.post(REVOKE, status_code=400, **kwargs)
    if expected is False:
        assert client.revoke_token("t") is False
    elif expected is None:
        from requests_oauth2client import InvalidClient

        with pytest.raises(InvalidClient):
            client.revoke_token("t")
    else:
        with pytest.raises(expected):
            client.revoke_token("t")


def test_missing_endpoints() -> None:
    client = OAuth2Client(TOKEN, ("c", "s"))
    with pytest.raises(MissingEndpointUri, match="revocation_endpoint"):
        client.revoke_token("t")
    with pytest.raises(MissingEndpointUri):
        client.introspect_token("t")
    with pytest.raises(MissingEndpointUri):
        client.userinfo("t")
    with pytest.raises(MissingEndpointUri):
        client.authorization_request()
    with pytest.raises(MissingEndpointUri):
        client.authorize_device()
    with pytest.raises(MissingEndpointUri):
        client.update_authorization_server_public_keys()
    with pytest.raises(MissingEndpointUri):
        client.backchannel_authentication_request(login_hint="x")


def test_introspection(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(INTROSPECT, json={"active": True})
    assert client.introspect_token(BearerToken("at", refresh_token="rt")) == {"active": True}
    assert single(requests_mock.last_request)["token"] == "at"
    client.introspect_token(BearerToken("at", refresh_token="rt"), token_type_hint="refresh_token")
    assert single(requests_mock.last_request) == {
        "token": "rt",
        "token_type_hint": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    with pytest.raises(UnknownTokenType):
        client.introspect_token(BearerToken("at"), token_type_hint="id_token")
    with pytest.raises(MissingRefreshToken):
        client.introspect_token(BearerToken("at"), token_type_hint="refresh_token")
    requests_mock.post(INTROSPECT, text="plain")
    assert client.introspect_token("t") == "plain"


@pytest.mark.parametrize("body", ["[1, 2]", "true", "12", '"active"', "null"])
def test_an_introspection_answer_that_is_not_a_json_object_is_its_text(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, body: str
) -> None:
    # the answer is a JSON object (RFC 7662 §2.2), or the text of what is not one: `dict[str, Any] | str`
    requests_mock.post(INTROSPECT, text=body, headers={"Content-Type": "application/json"})
    assert client.introspect_token("t") == body


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [({"text": "no"}, UnknownIntrospectionError), ({"json": {"error": "x"}}, IntrospectionError)],
)
def test_introspection_errors(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, kwargs: dict[str, Any], expected: type
) -> None:
    requests_mock.post(INTROSPECT, status_code=400, **kwargs)
    with pytest.raises(expected):
        client.introspect_token("t")


def test_userinfo(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(USERINFO, json={"sub": "s"})
    assert client.userinfo("at") == {"sub": "s"}
    assert requests_mock.last_request.headers["Authorization"] == "Bearer at"
    assert "client_secret" not in (requests_mock.last_request.text or "")
    requests_mock.post(USERINFO, status_code=401)
    with pytest.raises(requests.HTTPError):
        client.userinfo(BearerToken("at"))
    requests_mock.post(USERINFO, text="<html>")
    with pytest.raises(InvalidUserinfoResponse) as exc_info:
        client.userinfo("at")
    assert exc_info.value.response.text == "<html>"


# ------------------------------------------------------------------------------------------------- discovery


DISCOVERY = {
    "issuer": AS,
    "token_endpoint": TOKEN,
    "authorization_endpoint": AUTHZ,
    "revocation_endpoint": REVOKE,
    "introspection_endpoint": INTROSPECT,
    "userinfo_endpoint": USERINFO,
    "pushed_authorization_request_endpoint": PAR,
    "device_authorization_endpoint": DEVICE,
    "backchannel_authentication_endpoint": CIBA,
    "jwks_uri": JWKS,
    "authorization_response_iss_parameter_supported": True,
}


def test_from_discovery_endpoint(requests_mock: requests_mock.Mocker) -> None:
    key = Jwk.generate(alg="RS256", kid="k").public_jwk()
    requests_mock.get(f"{AS}/.well-known/openid-configuration", json=DISCOVERY)
    requests_mock.get(JWKS, json={"keys": [key.to_dict()]})
    client = OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c", client_secret="s")
    assert [r.url for r in requests_mock.request_history] == [f"{AS}/.well-known/openid-configuration", JWKS]
    for name, value in DISCOVERY.items():
        assert getattr(client, name) == value
    assert client.authorization_server_jwks.get_jwk_by_kid("k") == key
    # the client built from discovery carries the RFC 9207 flag into its authorization requests
    assert client.authorization_request().authorization_response_iss_parameter_supported is True


def test_from_discovery_errors(requests_mock: requests_mock.Mocker) -> None:
    with pytest.raises(InvalidParam):
        OAuth2Client.from_discovery_endpoint(client_id="c")
    with pytest.raises(InvalidIssuer):
        OAuth2Client.from_discovery_endpoint(issuer="http://as", client_id="c")
    with pytest.raises(InvalidUri):
        OAuth2Client.from_discovery_endpoint("http://as/.well-known/openid-configuration", client_id="c")
    with pytest.raises(InvalidParam):
        OAuth2Client.from_discovery_document(DISCOVERY, issuer="https://other", client_id="c")
    with pytest.raises(InvalidDiscoveryDocument):
        OAuth2Client.from_discovery_document({"issuer": AS}, client_id="c")
    requests_mock.get(f"{AS}/.well-known/openid-configuration", text="<html>")
    with pytest.raises(InvalidDiscoveryDocument):
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")


def test_mtls_aliases_are_used_with_a_client_certificate() -> None:
    doc = {**DISCOVERY, "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example.com/token"}}
    assert OAuth2Client.from_discovery_document(doc, client_id="c").token_endpoint == TOKEN
    session = requests.Session()
    session.cert = ("/path/cert.pem", "/path/key.pem")
    client = OAuth2Client.from_discovery_document(doc, client_id="c", session=session)
    assert client.token_endpoint == "https://mtls.as.example.com/token"
    assert client.introspection_endpoint == INTROSPECT  # no alias: the plain endpoint
    assert OAuth2Client.from_discovery_document(doc, client_id="c", mtls=True).token_endpoint != TOKEN
    assert OAuth2Client.from_discovery_document(doc, client_id="c", session=session, mtls=False).token_endpoint == TOKEN


def test_from_discovery_endpoint_passes_mtls_on(requests_mock: requests_mock.Mocker) -> None:
    doc = {**DISCOVERY, "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example.com/token"}}
    requests_mock.get(f"{AS}/.well-known/openid-configuration", json=doc)
    requests_mock.get(JWKS, json={"keys": []})
    client = OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c", mtls=True)
    assert client.token_endpoint == "https://mtls.as.example.com/token"
    assert OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c").token_endpoint == TOKEN


def test_from_discovery_document_https_false_warns() -> None:
    doc = {**DISCOVERY, "token_endpoint": "http://as/token"}
    with pytest.warns(UserWarning):
        client = OAuth2Client.from_discovery_document(doc, client_id="c", https=False)
    assert client.testing is True


def test_keys_update_and_context_manager(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    key = Jwk.generate(alg="ES256", kid="k").public_jwk()
    requests_mock.get(JWKS, json={"keys": [key.to_dict()]})
    jwks = client.authorization_server_jwks
    assert client.update_authorization_server_public_keys() is jwks
    assert "Authorization" not in requests_mock.last_request.headers
    assert len(jwks) == 1
    with pytest.raises(ZeroDivisionError), client:
        1 / 0  # noqa: B018


# ------------------------------------------------------------------------------------ authorization and PAR


def test_authorization_request_uses_client_settings(client: OAuth2Client) -> None:
    azr = client.authorization_request(scope="openid email")
    assert azr.authorization_endpoint == AUTHZ
    assert azr.client_id == CLIENT_ID
    assert azr.redirect_uri == "https://app.example.com/cb"
    assert azr.issuer == AS
    assert azr.code_challenge_method == "S256"
    assert azr.dpop_key is None
    dpop_azr = client.authorization_request(dpop=True)
    assert dpop_azr.dpop_key is not None
    assert dpop_azr.args["dpop_jkt"] == dpop_azr.dpop_key.dpop_jkt


def test_pushed_authorization_request(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": 60})
    azr = client.authorization_request(scope="openid")
    result = client.pushed_authorization_request(azr)
    assert isinstance(result, RequestUriParameterAuthorizationRequest)
    assert result.uri == f"{AUTHZ}?client_id={CLIENT_ID}&request_uri=urn%3Ax"
    assert result.expires_at is not None
    body = form(requests_mock.last_request)
    assert body["client_id"] == [CLIENT_ID]
    assert body["state"] == [azr.state]
    assert body["code_challenge"] == [azr.code_challenge]
    requests_mock.post(PAR, status_code=400, text="nope")
    with pytest.raises(InvalidPushedAuthorizationResponse):
        client.pushed_authorization_request(azr)
    requests_mock.post(PAR, status_code=201, json={"expires_in": 60})
    with pytest.raises(InvalidPushedAuthorizationResponse):
        client.pushed_authorization_request(azr)


def test_sign_authorization_request_encrypts_as_configured(requests_mock: requests_mock.Mocker) -> None:
    signing = Jwk.generate(alg="ES256", kid="client-sig")
    as_enc = Jwk.generate(alg="RSA-OAEP-256", kid="as-enc")
    as_jwks = JwkSet(keys=[Jwk.generate(alg="RS256", kid="as-sig").public_jwk(), as_enc.public_jwk()])
    settings: dict[str, Any] = {
        "authorization_endpoint": AUTHZ,
        "pushed_authorization_request_endpoint": PAR,
        "redirect_uri": "https://app.example.com/cb",
        "issuer": AS,
        "authorization_server_jwks": as_jwks,
    }
    client = OAuth2Client(
        TOKEN,
        PrivateKeyJwt(CLIENT_ID, signing),
        request_object_encryption_alg="RSA-OAEP-256",
        request_object_encryption_enc="A256GCM",
        **settings,
    )
    azr = client.authorization_request(scope="openid")
    request = client.sign_authorization_request(azr)
    assert isinstance(request.request, JweCompact)
    assert (request.request.alg, request.request.enc, request.request.kid) == ("RSA-OAEP-256", "A256GCM", "as-enc")
    inner = Jwt.decrypt_nested_jwt(request.request, as_enc)
    assert inner.verify_signature(signing.public_jwk(), alg="ES256")  # signed with the private_key_jwt key
    assert (inner.claims["iss"], inner.claims["aud"], inner.claims["nonce"]) == (CLIENT_ID, AS, azr.nonce)
    # pushed as is (RFC 9126 §3)
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": 60})
    assert client.pushed_authorization_request(request).request_uri == "urn:x"
    assert form(requests_mock.last_request)["request"] == [str(request.request)]
    # without encryption settings: signed only; without a signing key: refused
    plain = OAuth2Client(TOKEN, PrivateKeyJwt(CLIENT_ID, signing), **settings)
    assert isinstance(plain.sign_authorization_request(azr).request, SignedJwt)
    other_key = Jwk.generate(alg="ES256")
    signed = OAuth2Client(TOKEN, (CLIENT_ID, SECRET), **settings).sign_authorization_request(azr, other_key)
    assert signed.request.verify_signature(other_key.public_jwk(), alg="ES256")  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="signing key"):
        OAuth2Client(TOKEN, (CLIENT_ID, SECRET), **settings).sign_authorization_request(azr)


@pytest.mark.parametrize("expires_in", ["missing", None, -1, "soon", 2**31, True])
@pytest.mark.parametrize("endpoint", ["device", "ciba", "par"])
def test_required_expires_in_is_checked(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, endpoint: str, expires_in: object
) -> None:
    # RFC 8628 §3.2, CIBA Core §7.3, RFC 9126 §2.2: REQUIRED; without it, polling would never stop
    answers: dict[str, tuple[str, dict[str, Any], type[OAuth2Error]]] = {
        "device": (
            DEVICE,
            {"device_code": "dc", "user_code": "uc", "verification_uri": "https://as/device"},
            InvalidDeviceAuthorizationResponse,
        ),
        "ciba": (CIBA, {"auth_req_id": "rid"}, InvalidBackChannelAuthenticationResponse),
        "par": (PAR, {"request_uri": "urn:x"}, InvalidPushedAuthorizationResponse),
    }
    url, body, error = answers[endpoint]
    if expires_in != "missing":
        body["expires_in"] = expires_in
    requests_mock.post(url, status_code=201 if endpoint == "par" else 200, json=body)
    with pytest.raises(error, match="`expires_in`") as exc_info:
        if endpoint == "device":
            client.authorize_device()
        elif endpoint == "ciba":
            client.backchannel_authentication_request(login_hint="x")
        else:
            client.pushed_authorization_request(client.authorization_request())
    assert exc_info.value.response.json() == body


@freeze_time("2024-01-01 00:00:00")
def test_par_lifetime_follows_the_one_policy(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    azr = client.authorization_request()
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": "90"})
    assert client.pushed_authorization_request(azr).expires_at == datetime(2024, 1, 1, 0, 1, 30, tzinfo=timezone.utc)
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": 0})
    expires_at = client.pushed_authorization_request(azr).expires_at
    assert expires_at is not None
    assert expires_at < datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_par_with_dpop_sends_a_proof(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": 60})
    azr = client.authorization_request(dpop=True)
    result = client.pushed_authorization_request(azr)
    proof = SignedJwt(requests_mock.last_request.headers["DPoP"])
    assert proof.claims["htu"] == PAR
    assert result.dpop_key is azr.dpop_key


# -------------------------------------------------------------------------------------------- CIBA and device


def test_backchannel_authentication_request(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(CIBA, json={"auth_req_id": "rid", "expires_in": 120, "interval": 2, "custom": "c"})
    bcar = client.backchannel_authentication_request(
        scope=["openid", "email"], login_hint="user", acr_values=["a", "b"], binding_message="hi", requested_expiry=60
    )
    assert bcar.auth_req_id == "rid"
    assert bcar.interval == 2
    assert bcar.custom == "c"
    assert single(requests_mock.last_request) == {
        "scope": "openid email",
        "login_hint": "user",
        "acr_values": "a b",
        "binding_message": "hi",
        "requested_expiry": "60",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    with pytest.raises(InvalidBackchannelAuthenticationRequestHintParam):
        client.backchannel_authentication_request()
    with pytest.raises(InvalidBackchannelAuthenticationRequestHintParam):
        client.backchannel_authentication_request(login_hint="a", id_token_hint="b")


def test_signed_backchannel_request(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    # CIBA Core §7.1.1: a signed authentication request carries iss, aud, exp, iat, nbf and jti, so that it
    # cannot be replayed forever, nor to another AS
    requests_mock.post(CIBA, json={"auth_req_id": "rid", "expires_in": 60})
    key = Jwk.generate(alg="ES256")
    with freeze_time("2024-05-01 12:00:00"):
        client.backchannel_authentication_request(login_hint="user", private_jwk=key, requested_expiry=120)
    body = single(requests_mock.last_request)
    assert set(body) == {"request", "client_id", "client_secret"}
    request = SignedJwt(body["request"])
    assert request.verify_signature(key.public_jwk())
    claims = dict(request.claims)
    jti = claims.pop("jti")
    iat = 1714564800
    assert claims == {
        "scope": "openid",
        "login_hint": "user",
        "requested_expiry": 120,
        "iss": CLIENT_ID,
        "aud": AS,
        "iat": iat,
        "nbf": iat,
        "exp": iat + 60,
    }
    assert isinstance(jti, str)
    assert len(jti) >= 32
    client.backchannel_authentication_request(login_hint="user", private_jwk=key)
    assert SignedJwt(single(requests_mock.last_request)["request"]).claims["jti"] != jti


def test_signed_backchannel_request_without_issuer_has_no_aud(requests_mock: requests_mock.Mocker) -> None:
    client = OAuth2Client(TOKEN, (CLIENT_ID, SECRET), backchannel_authentication_endpoint=CIBA)
    requests_mock.post(CIBA, json={"auth_req_id": "rid", "expires_in": 60})
    client.backchannel_authentication_request(login_hint="user", private_jwk=Jwk.generate(alg="ES256"))
    claims = SignedJwt(single(requests_mock.last_request)["request"]).claims
    assert "aud" not in claims
    assert {"iss", "iat", "nbf", "exp", "jti"} <= set(claims)


@pytest.mark.parametrize(
    ("status", "kwargs", "expected"),
    [
        (200, {"json": {"expires_in": 10}}, InvalidBackChannelAuthenticationResponse),
        (200, {"json": ["x"]}, InvalidBackChannelAuthenticationResponse),
        (400, {"json": {"error": "whatever"}}, BackChannelAuthenticationError),
        (400, {"text": "x"}, InvalidBackChannelAuthenticationResponse),
    ],
)
def test_backchannel_errors(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, status: int, kwargs: dict[str, Any], expected: type
) -> None:
    requests_mock.post(CIBA, status_code=status, **kwargs)
    with pytest.raises(expected):
        client.backchannel_authentication_request(login_hint="x")


def test_authorize_device(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        DEVICE,
        json={
            "device_code": "dc",
            "user_code": "uc",
            "verification_uri": "https://v",
            "verification_uri_complete": "https://v?c=uc",
            "expires_in": 300,
            "interval": 3,
            "extra": "e",
        },
    )
    dar = client.authorize_device(scope=["a", "b"])
    assert (dar.device_code, dar.user_code, dar.verification_uri, dar.interval) == ("dc", "uc", "https://v", 3)
    assert dar.verification_uri_complete == "https://v?c=uc"
    assert dar.expires_at is not None
    assert dar.other == {"extra": "e"}
    assert single(requests_mock.last_request) == {"scope": "a b", "client_id": CLIENT_ID, "client_secret": SECRET}


@pytest.mark.parametrize(
    ("status", "kwargs", "expected"),
    [
        (200, {"json": {"user_code": "uc"}}, InvalidDeviceAuthorizationResponse),
        (200, {"text": "<html>"}, InvalidDeviceAuthorizationResponse),
        (400, {"json": {"error": "whatever"}}, DeviceAuthorizationError),
        (400, {"text": "x"}, InvalidDeviceAuthorizationResponse),
    ],
)
def test_device_authorization_errors(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, status: int, kwargs: dict[str, Any], expected: type
) -> None:
    requests_mock.post(DEVICE, status_code=status, **kwargs)
    with pytest.raises(expected):
        client.authorize_device()


def test_basic_auth_round_trips_odd_secrets(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    OAuth2Client(TOKEN, auth=ClientSecretBasic("id:x", SECRET)).client_credentials()
    scheme, value = requests_mock.last_request.headers["Authorization"].split(" ")
    assert scheme == "Basic"
    cid, secret = base64.b64decode(value).decode().split(":", 1)
    assert (unquote_plus(cid), unquote_plus(secret)) == ("id:x", SECRET)


def test_id_token_in_token_response_is_parsed(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    key = Jwk.generate(alg="RS256", kid="k")
    id_token = Jwt.sign({"iss": AS, "sub": "s"}, key=key, alg="RS256")
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "id_token": str(id_token)})
    token = client.client_credentials(validate=False)
    assert isinstance(token.id_token, IdToken)
    assert json.loads(json.dumps(token.as_dict(), default=str))["id_token"] == str(id_token)
    requests_mock.get(JWKS, json={"keys": []})
    with pytest.raises(InvalidIdToken):  # validated by default (see test_client_grants_id_token.py)
        client.client_credentials()


# ------------------------------------------------------------------------------------ any server answer is typed

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
_lifetimes = st.sampled_from([0, 60, 2**31 - 1, 2**31, -1, 59.5, "60", " 60", "6o", None, True]) | _json_values
_token_like = st.fixed_dictionaries(
    {},
    optional={
        "access_token": st.sampled_from(["at", "a b", "a\r\nb", "é", ""]) | _json_values,
        "token_type": st.sampled_from(["Bearer", "bearer", "DPoP", "mac", "Bearer\n"]) | _json_values,
        "expires_in": _lifetimes,
        "refresh_token": st.sampled_from(["rt", "r\x00t", ""]) | _json_values,
        "scope": _json_values,
        "id_token": _json_values,
        "error": st.sampled_from(["invalid_grant", "slow_down", "use_dpop_nonce", "x"]) | _json_values,
        "error_description": _json_values,
        "device_code": st.just("dc") | _json_values,
        "user_code": st.just("uc") | _json_values,
        "verification_uri": st.just("https://as/d") | _json_values,
        "interval": st.just(5) | _json_values,
        "auth_req_id": st.just("rid") | _json_values,
        "request_uri": st.just("urn:r") | _json_values,
    },
)
# bodies as a server may send them: UTF-8 JSON, other encodings of JSON, truncated JSON, any bytes
_bodies = st.one_of(
    (_token_like | _json_values).map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    (_token_like | _json_values).map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-16")),
    st.tuples(_token_like.map(lambda v: json.dumps(v).encode()), st.integers(0, 80)).map(lambda t: t[0][: t[1]]),
    st.binary(max_size=40),
)
_content_types = st.sampled_from(
    [None, "application/json", "application/json; charset=iso-8859-1", "text/html", "text/plain; charset=utf-16"]
)
_VSCHAR = re.compile(r"[\x20-\x7e]+")


def assert_whole_token(token: BearerToken) -> None:
    """A token the client returns is usable as it is: never half-built."""
    assert isinstance(token, BearerToken)
    assert _VSCHAR.fullmatch(token.access_token)
    assert token.refresh_token is None or _VSCHAR.fullmatch(token.refresh_token)
    assert _VSCHAR.fullmatch(token.token_type)
    assert token.expires_at is None or token.expires_at.tzinfo is not None
    assert token.id_token is None or isinstance(token.id_token, (IdToken, JweCompact))
    if not token.is_expired():
        request = requests.Request("GET", "https://rs.example.com/", auth=token).prepare()
        assert request.headers["Authorization"].endswith(token.access_token)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from([200, 201, 202, 204, 299, 300, 304, 400, 401, 403, 429, 500, 503]),
    body=_bodies,
    content_type=_content_types,
    call=st.sampled_from(["cc", "refresh", "device", "ciba", "par", "introspect", "revoke"]),
)
def test_any_answer_gives_a_result_or_a_typed_error(
    client: OAuth2Client, status: int, body: bytes, content_type: str | None, call: str
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    with requests_mock.Mocker() as m:
        for url in (TOKEN, DEVICE, CIBA, PAR, INTROSPECT, REVOKE):
            m.post(url, status_code=status, content=body, headers=headers)
        try:
            if call == "cc":
                assert_whole_token(client.client_credentials())
            elif call == "refresh":
                assert_whole_token(client.refresh_token("rt"))
            elif call == "device":
                device = client.authorize_device()
                assert isinstance(device, DeviceAuthorizationResponse)
                assert device.expires_at is not None
            elif call == "ciba":
                ciba = client.backchannel_authentication_request(login_hint="x")
                assert isinstance(ciba, BackChannelAuthenticationResponse)
                assert ciba.expires_at is not None
            elif call == "par":
                par = client.pushed_authorization_request(client.authorization_request())
                assert isinstance(par, RequestUriParameterAuthorizationRequest)
                assert par.expires_at is not None
                assert par.uri.startswith(AUTHZ)
            elif call == "introspect":
                client.introspect_token("t")
            else:
                assert isinstance(client.revoke_token("t"), bool)
        except OAuth2Error as exc:
            assert exc.response is not None
            assert exc.response.status_code == status
            str(exc)
        except InvalidIdToken as exc:  # an ID Token that parses, but does not pass validation
            assert exc.token_resp is not None


def test_hooks_can_be_overridden_with_the_documented_signatures(requests_mock: requests_mock.Mocker) -> None:
    calls: list[str] = []

    class MyClient(OAuth2Client):
        def on_token_error(self, response: requests.Response, *, dpop_key: DPoPKey | None = None) -> BearerToken:
            calls.append("on_token_error")
            return BearerToken("fallback")

    client = MyClient(TOKEN, ("c", "s"))
    requests_mock.post(TOKEN, json={"no": "token"})
    assert client.client_credentials().access_token == "fallback"
    requests_mock.post(TOKEN, status_code=400, json={"error": "invalid_grant"})
    assert client.client_credentials().access_token == "fallback"
    assert calls == ["on_token_error", "on_token_error"]


def test_unusable_token_response_message(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "expires_in": -5})
    with pytest.raises(
        InvalidTokenResponse, match="unusable token response: `expires_in` must not be negative, got -5"
    ):
        client.client_credentials()


# ------------------------------------------------------------------------- where credentials may go (issue 12)

EVIL = "https://evil.example.net/steal"
ENDPOINT_NAMES = {
    TOKEN: "token_endpoint",
    PAR: "pushed_authorization_request_endpoint",
    DEVICE: "device_authorization_endpoint",
    CIBA: "backchannel_authentication_endpoint",
    REVOKE: "revocation_endpoint",
    INTROSPECT: "introspection_endpoint",
    USERINFO: "userinfo_endpoint",
}


def _call_each_endpoint(client: OAuth2Client, endpoint: str) -> object:
    calls = {
        TOKEN: lambda: client.client_credentials(scope="s"),
        PAR: lambda: client.pushed_authorization_request(client.authorization_request()),
        DEVICE: client.authorize_device,
        CIBA: lambda: client.backchannel_authentication_request(login_hint="alice"),
        REVOKE: lambda: client.revoke_access_token("the-access-token"),
        INTROSPECT: lambda: client.introspect_token("the-access-token"),
        USERINFO: lambda: client.userinfo("the-access-token"),
    }
    return calls[endpoint]()


@pytest.mark.parametrize("endpoint", [TOKEN, PAR, DEVICE, CIBA, REVOKE, INTROSPECT, USERINFO])
@pytest.mark.parametrize("status", [302, 307, 308])
def test_no_as_endpoint_follows_a_redirect(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, endpoint: str, status: int
) -> None:
    requests_mock.post(endpoint, status_code=status, headers={"Location": EVIL})
    evil = requests_mock.register_uri(requests_mock_module.ANY, EVIL, json={"access_token": "evil", "active": True})
    with pytest.raises(OAuth2Error) as exc_info:
        _call_each_endpoint(client, endpoint)
    assert not evil.called
    assert requests_mock.call_count == 1
    exc = exc_info.value
    assert isinstance(exc, UnexpectedRedirect)
    assert exc.response.status_code == status
    assert exc.location == EVIL
    assert exc.endpoint == ENDPOINT_NAMES[endpoint]
    assert EVIL in str(exc) and f"({endpoint}) answered HTTP" in str(exc)
    assert SECRET not in str(exc) and "the-access-token" not in str(exc)


def test_the_code_exchange_does_not_follow_a_redirect(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.post(TOKEN, status_code=307, headers={"Location": EVIL})
    evil = requests_mock.post(EVIL, json={"access_token": "evil", "token_type": "Bearer"})
    with pytest.raises(OAuth2Error):
        client.authorization_code("the-code", code_verifier="v" * 43)
    assert not evil.called


def test_discovery_follows_a_redirect_only_within_its_origin(requests_mock: requests_mock.Mocker) -> None:
    url = f"{AS}/.well-known/openid-configuration"
    requests_mock.get(url, status_code=302, headers={"Location": "https://evil.example.net/openid-configuration"})
    evil = requests_mock.get("https://evil.example.net/openid-configuration", json=DISCOVERY)
    with pytest.raises(FailedDiscoveryError):
        OAuth2Client.from_discovery_endpoint(url, client_id="c")
    assert not evil.called
    requests_mock.get(url, status_code=301, headers={"Location": "/v2/.well-known/openid-configuration"})
    requests_mock.get(f"{AS}/v2/.well-known/openid-configuration", json=DISCOVERY)
    requests_mock.get(JWKS, json={"keys": []})
    assert OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c").issuer == AS


def test_jwks_follows_a_redirect_only_within_its_origin(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.get(JWKS, status_code=307, headers={"Location": "https://evil.example.net/jwks"})
    evil = requests_mock.get("https://evil.example.net/jwks", json={"keys": []})
    with pytest.raises(FailedDiscoveryError):
        client.update_authorization_server_public_keys()
    assert not evil.called


@pytest.mark.parametrize("status", [403, 404, 500])
def test_discovery_and_jwks_http_errors_are_typed(requests_mock: requests_mock.Mocker, status: int) -> None:
    url = f"{AS}/.well-known/openid-configuration"
    requests_mock.get(url, status_code=status, text="nope")
    rfc8414_url = f"{AS}/.well-known/oauth-authorization-server"  # tried after a 404 (an RFC 8414-only server)
    requests_mock.get(rfc8414_url, status_code=status, text="nope")
    with pytest.raises(FailedDiscoveryError) as exc_info:
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    assert isinstance(exc_info.value, requests.HTTPError)
    assert exc_info.value.response is not None and exc_info.value.response.status_code == status
    assert exc_info.value.url == (rfc8414_url if status == 404 else url)

    requests_mock.get(url, json=DISCOVERY)
    requests_mock.get(JWKS, status_code=status)
    with pytest.raises(requests.HTTPError) as jwks_info:
        OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    assert isinstance(jwks_info.value, FailedDiscoveryError)
    assert jwks_info.value.url == JWKS


@pytest.mark.parametrize(
    ("url", "issuer"),
    [
        ("https://as.example.com/.well-known/openid-configuration", "https://as.example.com"),
        ("https://as.example.com/.well-known/openid-configuration", "https://as.example.com/"),
        ("https://as.example.com/t1/.well-known/openid-configuration", "https://as.example.com/t1"),
        ("https://as.example.com/t1/.well-known/openid-configuration", "https://as.example.com/t1/"),
        ("https://as.example.com/.well-known/oauth-authorization-server", "https://as.example.com"),
        ("https://as.example.com/.well-known/oauth-authorization-server/t1", "https://as.example.com/t1"),
        ("https://as.example.com/.well-known/oauth-authorization-server/t1/", "https://as.example.com/t1"),
        ("https://as.example.com/metadata.json", "https://other.example.org"),  # not a well-known URL
    ],
)
def test_discovery_by_url_expects_the_issuer_the_url_names(
    requests_mock: requests_mock.Mocker, url: str, issuer: str
) -> None:
    requests_mock.get(url, json={**DISCOVERY, "issuer": issuer, "jwks_uri": None})
    client = OAuth2Client.from_discovery_endpoint(url, client_id="c")
    assert client.issuer == issuer  # the document's own value, as ID Tokens carry it


@pytest.mark.parametrize(
    ("url", "issuer"),
    [
        ("https://as.example.com/.well-known/openid-configuration", "https://evil.example.net"),
        ("https://as.example.com/.well-known/openid-configuration", "https://as.example.com/t1"),
        ("https://as.example.com/t1/.well-known/openid-configuration", "https://as.example.com/t2"),
        ("https://as.example.com/t1/.well-known/openid-configuration", "https://as.example.com"),
        ("https://as.example.com/.well-known/oauth-authorization-server/t1", "https://as.example.com"),
        ("https://as.example.com/.well-known/oauth-authorization-server", "http://as.example.com"),
        (
            "https://login.example.com/common/v2.0/.well-known/openid-configuration",
            "https://login.example.com/{tenantid}/v2.0",
        ),
    ],
)
def test_discovery_by_url_refuses_another_issuer(requests_mock: requests_mock.Mocker, url: str, issuer: str) -> None:
    requests_mock.get(url, json={**DISCOVERY, "issuer": issuer})
    jwks = requests_mock.get(JWKS, json={"keys": []})
    with pytest.raises(InvalidParam, match="Mismatching issuer") as exc_info:
        OAuth2Client.from_discovery_endpoint(url, client_id="c")
    assert isinstance(exc_info.value, InvalidDiscoveryDocument)
    assert not jwks.called  # the document is refused before anything else is fetched
    # an explicit issuer still decides (multi-tenant documents)
    assert OAuth2Client.from_discovery_endpoint(url, issuer, client_id="c", testing=True).issuer == issuer


@pytest.mark.parametrize("endpoint", ["https:///token", "https://:443/token", "/token", "token", "https//as/token"])
@pytest.mark.parametrize("testing", [False, True])
def test_discovery_endpoints_need_a_host(endpoint: str, testing: bool) -> None:
    with pytest.raises(InvalidDiscoveryDocument):
        OAuth2Client.from_discovery_document({**DISCOVERY, "token_endpoint": endpoint}, client_id="c", testing=testing)
    with pytest.raises(InvalidDiscoveryDocument):
        OAuth2Client.from_discovery_document({**DISCOVERY, "userinfo_endpoint": endpoint}, client_id="c")


@pytest.mark.parametrize("endpoint", ["https:///token", "http:///token"])
def test_constructor_endpoints_need_a_host_even_when_testing(endpoint: str) -> None:
    with pytest.raises(InvalidEndpointUri):
        OAuth2Client(endpoint, client_id="c", testing=True)
    with pytest.raises(InvalidEndpointUri):
        OAuth2Client(TOKEN, client_id="c", userinfo_endpoint=endpoint)
    assert OAuth2Client("http://127.0.0.1:8080/token", client_id="c", testing=True).token_endpoint


@pytest.mark.parametrize("body", ["0", "null", "[]", '"sub"', "[{}]", "true"])
def test_userinfo_must_be_a_json_object(client: OAuth2Client, requests_mock: requests_mock.Mocker, body: str) -> None:
    requests_mock.post(USERINFO, text=body, headers={"Content-Type": "application/json"})
    with pytest.raises(InvalidUserinfoResponse) as exc_info:
        client.userinfo("at")
    assert exc_info.value.response.text == body


_ID_TOKEN_KEY = Jwk.generate(alg="ES256", kid="k")


def _token_with_id_token(sub: str) -> BearerToken:
    id_token = Jwt.sign({"iss": AS, "aud": CLIENT_ID, "iat": 1, "exp": 2, "sub": sub}, _ID_TOKEN_KEY, alg="ES256")
    return BearerToken("at", id_token=str(id_token))


@pytest.mark.parametrize("answer", [{"sub": "mallory"}, {"name": "Alice"}, {"sub": 1}, {"sub": None}])
def test_userinfo_sub_must_be_the_id_token_sub(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, answer: dict[str, Any]
) -> None:
    requests_mock.post(USERINFO, json=answer)
    with pytest.raises(InvalidUserinfoResponse) as exc_info:
        client.userinfo(_token_with_id_token("alice"))
    exc = exc_info.value
    assert isinstance(exc, MismatchingUserinfoSubject)
    assert exc.expected == "alice"
    assert exc.received == answer.get("sub")
    assert exc.response.json() == answer


def test_userinfo_sub_equal_to_the_id_token_sub(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(USERINFO, json={"sub": "alice", "name": "Alice"})
    assert client.userinfo(_token_with_id_token("alice")) == {"sub": "alice", "name": "Alice"}
    assert client.userinfo("at") == {"sub": "alice", "name": "Alice"}  # no ID Token: nothing to compare with


def _azr(**kwargs: Any) -> AuthorizationResponse:
    return AuthorizationResponse(code="the-code", code_verifier="v" * 43, redirect_uri="https://app/cb", **kwargs)


@pytest.mark.parametrize(
    "azr",
    [
        pytest.param({"issuer": "https://as-a.example.com"}, id="validated-for-A"),
        pytest.param({"iss": "https://as-a.example.com"}, id="iss-from-A"),
    ],
)
def test_mix_up_a_response_of_issuer_a_is_not_redeemed_at_issuer_b(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, azr: dict[str, str]
) -> None:
    token_endpoint = requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    with pytest.raises(MismatchingIssuer) as exc_info:
        client.authorization_code(_azr(**azr))
    assert not token_endpoint.called  # neither the code nor the verifier left the client
    assert exc_info.value.received == "https://as-a.example.com"
    assert exc_info.value.expected == AS
    assert "the-code" not in str(exc_info.value)


def test_mix_up_check_needs_both_issuers(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    assert client.authorization_code(_azr(issuer=AS)).access_token == "at"
    assert client.authorization_code(_azr()).access_token == "at"
    no_issuer = OAuth2Client(TOKEN, (CLIENT_ID, SECRET))
    assert no_issuer.authorization_code(_azr(issuer="https://as-a.example.com")).access_token == "at"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from([200, 203, 301, 307, 400, 401, 500]),
    body=_json_values | st.dictionaries(st.sampled_from(["sub", "name"]), _json_values),
    raw=st.none() | st.text(max_size=30),
    with_id_token=st.booleans(),
)
def test_any_userinfo_answer_gives_an_object_or_a_typed_error(
    client: OAuth2Client, status: int, body: object, raw: str | None, with_id_token: bool
) -> None:
    token = _token_with_id_token("alice") if with_id_token else BearerToken("at")
    with requests_mock.Mocker() as m:
        headers = {"Location": "https://as.example.com/elsewhere"} if 300 <= status < 400 else {}
        if raw is not None:
            m.post(USERINFO, status_code=status, text=raw, headers=headers)
        else:
            m.post(USERINFO, status_code=status, json=body, headers=headers)
        try:
            userinfo = client.userinfo(token)
        except OAuth2Error as exc:
            assert exc.response is not None
        except requests.HTTPError as exc:  # the documented error for an error status
            assert exc.response is not None and exc.response.status_code >= 400
        else:
            assert 200 <= status < 300
            assert isinstance(userinfo, dict)
            if with_id_token:
                assert userinfo["sub"] == "alice"


# ------------------------------------------------------------------------------------------------ empty scope

EMPTY_SCOPES = [[], (), ""]
_EXCHANGE = {"subject_token": "st", "subject_token_type": "access_token"}


@pytest.mark.parametrize("scope", EMPTY_SCOPES, ids=repr)
@pytest.mark.parametrize(
    "grant",
    [
        lambda client, scope: client.client_credentials(scope=scope),
        lambda client, scope: client.client_credentials(scope),
        lambda client, scope: client.resource_owner_password("user", "pass", scope=scope),
        lambda client, scope: client.refresh_token("rt", scope=scope),
        lambda client, scope: client.token_exchange(**_EXCHANGE, scope=scope),
        lambda client, scope: client.jwt_bearer(Jwt.sign({"sub": "s"}, Jwk.generate(alg="ES256")), scope=scope),
        lambda client, scope: client.authorization_code("code", scope=scope),
        lambda client, scope: client.device_code("dc", scope=scope),
        lambda client, scope: client.ciba("rid", scope=scope),
    ],
    ids=["client_credentials", "positional", "password", "refresh", "exchange", "jwt_bearer", "code", "device", "ciba"],
)
def test_an_empty_scope_is_left_out_of_every_grant(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, grant: Any, scope: Any
) -> None:
    """RFC 6749 §3.3 has no empty scope: strict servers refuse `scope=` with invalid_scope."""
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    grant(client, scope)
    assert "scope" not in form(requests_mock.last_request)


def test_a_scope_list_is_joined_on_every_grant(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json={"access_token": "at", "token_type": "Bearer"})
    client.refresh_token("rt", scope=["a", "b"])
    assert form(requests_mock.last_request)["scope"] == ["a b"]
    client.resource_owner_password("u", "p", scope=("a", "b"))
    assert form(requests_mock.last_request)["scope"] == ["a b"]
    with pytest.raises(InvalidScopeParam):
        client.token_exchange(**_EXCHANGE, scope=[1, 2])


@pytest.mark.parametrize("scope", EMPTY_SCOPES, ids=repr)
def test_an_empty_scope_is_left_out_of_device_ciba_and_authorization_requests(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, scope: Any
) -> None:
    requests_mock.post(
        DEVICE, json={"device_code": "dc", "user_code": "uc", "verification_uri": "https://v", "expires_in": 60}
    )
    client.authorize_device(scope=scope)
    assert "scope" not in form(requests_mock.last_request)
    requests_mock.post(CIBA, json={"auth_req_id": "rid", "expires_in": 60})
    client.backchannel_authentication_request(scope=scope, acr_values=scope, login_hint="user")
    assert set(form(requests_mock.last_request)) == {"login_hint", "client_id", "client_secret"}
    client.backchannel_authentication_request(scope=scope, login_hint="user", private_jwk=Jwk.generate(alg="ES256"))
    claims = SignedJwt(single(requests_mock.last_request)["request"]).claims
    assert claims["login_hint"] == "user"
    assert "scope" not in claims
    azr = client.authorization_request(scope=scope)
    assert azr.scope is None
    assert "scope" not in azr.args
    assert azr.nonce is None
    requests_mock.post(PAR, status_code=201, json={"request_uri": "urn:x", "expires_in": 60})
    client.pushed_authorization_request(azr)
    assert "scope" not in form(requests_mock.last_request)


# ------------------------------------------------------------------------------------------- mutual TLS (RFC 8705)

MTLS_DISCOVERY = {
    **DISCOVERY,
    "mtls_endpoint_aliases": {
        "token_endpoint": "https://mtls.as.example.com/token",
        "introspection_endpoint": "https://mtls.as.example.com/introspect",
        "userinfo_endpoint": "https://mtls.as.example.com/userinfo",
    },
}


def test_mtls_aliases_are_used_by_tls_clients(pki: TestPki) -> None:
    cert = pki.client_tls.pair
    session = requests.Session()
    session.cert = cert
    for client in (
        OAuth2Client.from_discovery_document(MTLS_DISCOVERY, auth=TlsClientAuth("c", cert=cert)),
        OAuth2Client.from_discovery_document(MTLS_DISCOVERY, auth=SelfSignedTlsClientAuth("c", cert=cert)),
        OAuth2Client.from_discovery_document(
            MTLS_DISCOVERY, client_id="c", token_endpoint_auth_method="tls_client_auth", session=session
        ),
        OAuth2Client.from_discovery_document(
            MTLS_DISCOVERY,
            client_id="c",
            client_secret="s",
            tls_client_certificate_bound_access_tokens=True,
            session=session,
        ),
    ):
        for name, alias in MTLS_DISCOVERY["mtls_endpoint_aliases"].items():  # type: ignore[attr-defined]
            assert getattr(client, name) == alias
        assert client.revocation_endpoint == REVOKE  # no alias: the plain endpoint
    # explicit `mtls=False` wins; a client without a certificate uses the plain endpoints
    tls = OAuth2Client.from_discovery_document(MTLS_DISCOVERY, auth=TlsClientAuth("c", cert=cert), mtls=False)
    assert tls.token_endpoint == TOKEN
    assert (
        OAuth2Client.from_discovery_document(MTLS_DISCOVERY, client_id="c", client_secret="s").token_endpoint == TOKEN
    )


def test_a_client_that_needs_a_certificate_has_one(pki: TestPki) -> None:
    with pytest.raises(MissingClientCertificate):
        OAuth2Client(TOKEN, auth=TlsClientAuth("c"))
    with pytest.raises(MissingClientCertificate):
        OAuth2Client(TOKEN, client_id="c", token_endpoint_auth_method="self_signed_tls_client_auth")
    with pytest.raises(MissingClientCertificate):
        OAuth2Client(TOKEN, client_id="c", client_secret="s", tls_client_certificate_bound_access_tokens=True)
    session = requests.Session()
    session.cert = pki.client_tls.pair
    client = OAuth2Client(
        TOKEN, client_id="c", client_secret="s", tls_client_certificate_bound_access_tokens=True, session=session
    )
    assert client.tls_client_certificate_bound_access_tokens
    assert client.client_certificate == pki.client_tls.pair
    assert OAuth2Client(
        TOKEN, auth=TlsClientAuth("c", cert=pki.client_other.pair), session=session
    ).client_certificate == (pki.client_other.pair)
    assert OAuth2Client(TOKEN, client_id="c", client_secret="s").client_certificate is None


def test_userinfo_checks_the_binding_of_the_token(requests_mock: requests_mock.Mocker, pki: TestPki) -> None:
    requests_mock.post(USERINFO, json={"sub": "u"})
    client = OAuth2Client(TOKEN, auth=TlsClientAuth("c", cert=pki.client_tls.pair), userinfo_endpoint=USERINFO)
    bound = BearerToken("bound-at", cnf={"x5t#S256": certificate_thumbprint(pki.client_tls.pair)})
    assert client.userinfo(bound) == {"sub": "u"}
    assert requests_mock.last_request.cert == pki.client_tls.pair
    other = BearerToken("other-at", cnf={"x5t#S256": certificate_thumbprint(pki.client_other.pair)})
    with pytest.raises(MismatchingCertificateBinding):
        client.userinfo(other)
    assert requests_mock.call_count == 1


def test_authorization_requests_carry_the_registered_jarm_alg() -> None:
    client = OAuth2Client(TOKEN, client_id="c", authorization_endpoint=AUTHZ, authorization_signed_response_alg="ES256")
    assert client.jose.authorization_signed_response_alg == "ES256"
    assert client.authorization_request().authorization_signed_response_alg == "ES256"
    assert client.authorization_request(
        authorization_signed_response_alg="PS256"
    ).authorization_signed_response_alg == ("PS256")
    with pytest.raises(InvalidParam):
        OAuth2Client(TOKEN, client_id="c", authorization_signed_response_alg="none")
