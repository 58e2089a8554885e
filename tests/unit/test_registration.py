"""Dynamic client registration (RFC 7591) and management (RFC 7592): pure checks, and the requests (mocked)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from jwskate import Jwk

from requests_oauth2client import (
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    InvalidClient,
    InvalidClientMetadata,
    InvalidParam,
    InvalidRegistrationResponse,
    OAuth2Client,
    PrivateKeyJwt,
    PublicApp,
    RegisteredClient,
    RegistrationError,
    RegistrationSerializer,
    RequestsOptionAsParameter,
    ServerUnavailable,
    UnexpectedRedirect,
    UnsupportedClientCredentials,
    register_client,
)
from requests_oauth2client._protocol.registration import (
    ClientRegistration,
    check_client_information,
    registration_request_body,
)
from requests_oauth2client.exceptions import InvalidEndpointUri
from requests_oauth2client.serializers import InvalidSerializedData

REGISTRATION_ENDPOINT = "https://as.example.com/register"
CONFIGURATION_URI = "https://as.example.com/register/client-1"
SECRET = "s3cr3t-value"
RAT = "registration-access-token-1"
INFO: dict[str, Any] = {
    "client_id": "client-1",
    "client_secret": SECRET,
    "client_secret_expires_at": 0,
    "client_id_issued_at": 1_700_000_000,
    "registration_access_token": RAT,
    "registration_client_uri": CONFIGURATION_URI,
    "client_name": "app",
    "redirect_uris": ["https://app.example.com/cb"],
    "grant_types": ["authorization_code"],
    "token_endpoint_auth_method": "client_secret_basic",
}


# ------------------------------------------------------------------------------------------ request body


def test_body_of_a_private_key_jwt_client_holds_its_public_key_only() -> None:
    body, key = registration_request_body({"token_endpoint_auth_method": "private_key_jwt", "client_name": None})
    assert key is not None
    assert key.is_private
    assert key.alg == "ES256"
    assert "client_name" not in body  # None values are left out
    (registered,) = body["jwks"]["keys"]
    assert Jwk(registered).is_public
    assert registered["kid"] == key.kid
    assert Jwk(registered).thumbprint() == key.thumbprint()
    assert body["token_endpoint_auth_signing_alg"] == "ES256"


def test_body_with_a_given_private_key() -> None:
    given = Jwk.generate(alg="RS256")
    body, key = registration_request_body({}, private_key=dict(given), software_statement="eyJ.statement")
    assert key is not None
    assert key.thumbprint() == given.thumbprint()
    assert key.kid  # a kid is added when the key has none
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["token_endpoint_auth_signing_alg"] == "RS256"
    assert body["software_statement"] == "eyJ.statement"
    assert all("d" not in registered for registered in body["jwks"]["keys"])
    # a jwks_uri instead of an inline jwks: nothing added
    body, _ = registration_request_body({"jwks_uri": "https://app/jwks"}, private_key=given)
    assert "jwks" not in body


def test_body_refuses_private_key_material() -> None:
    private = Jwk.generate(alg="ES256")
    with pytest.raises(InvalidParam, match="private key material"):
        registration_request_body({"jwks": {"keys": [dict(private)]}})
    with pytest.raises(InvalidParam, match="private key material"):
        registration_request_body({"jwks": {"keys": [dict(Jwk.generate(alg="HS256"))]}})
    with pytest.raises(InvalidParam, match="not a JSON Web Key Set"):
        registration_request_body({"jwks": ["x"]})
    other = Jwk.generate(alg="ES256").public_jwk()
    with pytest.raises(InvalidParam, match="does not hold the public key"):
        registration_request_body({"jwks": {"keys": [dict(other)]}}, private_key=private)
    with pytest.raises(InvalidParam, match="asymmetric private key"):
        registration_request_body({}, private_key=private.public_jwk())


# ------------------------------------------------------------------------------------------ answers


def test_check_client_information() -> None:
    registration = check_client_information(INFO)
    assert registration.client_id == "client-1"
    assert registration.client_secret == SECRET
    assert registration.client_secret_expires_at is None  # 0: never
    assert registration.client_id_issued_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert registration.registration_access_token == RAT
    assert registration.registration_client_uri == CONFIGURATION_URI
    assert registration.metadata == {
        "client_name": "app",
        "redirect_uris": ["https://app.example.com/cb"],
        "grant_types": ["authorization_code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    assert registration.client_information() == INFO
    assert not registration.client_secret_expired()
    expiring = check_client_information({**INFO, "client_secret_expires_at": 2_000_000_000.0})
    assert expiring.client_secret_expires_at == datetime.fromtimestamp(2_000_000_000, tz=timezone.utc)
    assert expiring.client_secret_expired(datetime(2040, 1, 1, tzinfo=timezone.utc))
    assert not expiring.client_secret_expired(datetime(2030, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"error": "x"}, "has an `error`"),
        ({"client_id": None}, "no valid `client_id`"),
        ({"client_id": ""}, "no valid `client_id`"),
        ({"client_secret": 42}, "`client_secret` is not a non-empty string"),
        ({"registration_access_token": ""}, "`registration_access_token` is not"),
        ({"registration_client_uri": "http://as.example.com/r"}, "not an absolute https URL"),
        ({"registration_client_uri": "/relative"}, "not an absolute https URL"),
        ({"client_secret_expires_at": None}, "`client_secret_expires_at` is missing"),
        ({"client_secret_expires_at": -1}, "not a non-negative integer"),
        ({"client_secret_expires_at": True}, "not a non-negative integer"),
        ({"client_secret_expires_at": 1.5}, "not a non-negative integer"),
        ({"client_secret_expires_at": "0"}, "not a non-negative integer"),
        ({"client_secret_expires_at": 10**20}, "not a valid date"),
        ({"client_id_issued_at": "yesterday"}, "not a non-negative integer"),
        ({"redirect_uris": "https://app/cb"}, "`redirect_uris` is not a list of strings"),
        ({"grant_types": [1]}, "`grant_types` is not a list of strings"),
        ({"client_name": 1}, "`client_name` is not a string"),
        ({"jwks": {"keys": "x"}}, "`jwks` is not a JSON Web Key Set"),
        ({"jwks": {"keys": [{"kty": "unknown"}]}}, "`jwks` holds an invalid key"),
        ({"client_secret": None, "client_secret_expires_at": None}, "has no `client_secret`"),
        ({"token_endpoint_auth_method": "client_secret_jwt", "client_secret": None}, "has no `client_secret`"),
    ],
)
def test_invalid_client_information(changes: dict[str, Any], message: str) -> None:
    body = {key: value for key, value in {**INFO, **changes}.items() if value is not None}
    with pytest.raises(ValueError, match=message) as exc_info:
        check_client_information(body)
    assert SECRET not in str(exc_info.value)
    assert RAT not in str(exc_info.value)


def test_not_an_object() -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        check_client_information(["client-1"])


def test_private_key_jwt_answers() -> None:
    key = Jwk.generate(alg="ES256").with_kid_thumbprint()
    info = {
        "client_id": "c",
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [dict(key.public_jwk())]},
    }
    assert check_client_information(info, private_key=key).private_key is key
    other = Jwk.generate(alg="ES256")
    with pytest.raises(ValueError, match="does not hold the public key"):
        check_client_information(info, private_key=other)


def test_answers_to_a_read_or_an_update_keep_what_they_leave_out() -> None:
    key = Jwk.generate(alg="ES256")
    previous = check_client_information(INFO, private_key=key)
    # a rotated token replaces the old one; the secret, its expiry and the URI stay
    rotated = check_client_information(
        {"client_id": "client-1", "registration_access_token": "rotated", "client_name": "new"}, previous=previous
    )
    assert rotated.registration_access_token == "rotated"
    assert rotated.client_secret == SECRET
    assert rotated.registration_client_uri == CONFIGURATION_URI
    assert rotated.client_id_issued_at == previous.client_id_issued_at
    assert rotated.private_key is key
    assert rotated.metadata == {"client_name": "new"}
    with pytest.raises(ValueError, match="about client 'other', not 'client-1'"):
        check_client_information({**INFO, "client_id": "other"}, previous=previous)


def test_http_configuration_endpoint_when_testing() -> None:
    info = {**INFO, "registration_client_uri": "http://127.0.0.1:9/reg/x"}
    assert check_client_information(info, https=False).registration_client_uri == "http://127.0.0.1:9/reg/x"


# ------------------------------------------------------------------------------------------ ClientRegistration


def test_repr_hides_the_secrets() -> None:
    registration = check_client_information(INFO, private_key=Jwk.generate(alg="ES256"))
    text = repr(registration)
    assert SECRET not in text
    assert RAT not in text
    assert "'***'" in text
    assert "client-1" in text
    assert '"d"' not in text


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("client_secret_basic", ClientSecretBasic),
        ("client_secret_post", ClientSecretPost),
        ("client_secret_jwt", ClientSecretJwt),
        ("none", PublicApp),
    ],
)
def test_client_auth(method: str, expected: type) -> None:
    registration = check_client_information({**INFO, "token_endpoint_auth_method": method})
    auth = registration.client_auth(audience="https://as.example.com")
    assert type(auth) is expected
    assert auth.client_id == "client-1"  # type: ignore[attr-defined]
    if method == "client_secret_jwt":
        assert auth.aud == "https://as.example.com"  # type: ignore[attr-defined]


def test_client_auth_private_key_jwt_and_unsupported_methods() -> None:
    key = Jwk.generate(alg="ES256").with_kid_thumbprint()
    info = {"client_id": "c", "token_endpoint_auth_method": "private_key_jwt"}
    auth = check_client_information(info, private_key=key).client_auth(audience="https://as")
    assert isinstance(auth, PrivateKeyJwt)
    assert auth.private_jwk.thumbprint() == key.thumbprint()
    assert auth.aud == "https://as"
    with pytest.raises(UnsupportedClientCredentials, match="no private key"):
        check_client_information(info).client_auth()
    with pytest.raises(UnsupportedClientCredentials, match="'tls_client_auth'"):
        check_client_information({"client_id": "c", "token_endpoint_auth_method": "tls_client_auth"}).client_auth()
    # default method: client_secret_basic
    assert isinstance(check_client_information({"client_id": "c", **_secret()}).client_auth(), ClientSecretBasic)


def _secret() -> dict[str, Any]:
    return {"client_secret": SECRET, "client_secret_expires_at": 0}


def test_client_settings_build_a_client() -> None:
    registration = check_client_information(
        {**INFO, "id_token_signed_response_alg": "ES256", "dpop_bound_access_tokens": True}
    )
    settings = registration.client_settings(audience="https://as.example.com")
    client = OAuth2Client("https://as.example.com/token", **settings)
    assert client.client_id == "client-1"
    assert client.client_secret == SECRET
    assert client.redirect_uri == "https://app.example.com/cb"
    assert client.id_token_signed_response_alg == "ES256"
    assert client.dpop_bound_access_tokens is True
    assert "redirect_uri" not in check_client_information({"client_id": "c", **_secret()}).client_settings()


def test_update_request_body() -> None:
    registration = check_client_information(INFO)
    body = registration.update_request_body({"client_name": "renamed", "grant_types": None, "contacts": ["a@b"]})
    assert body == {
        "client_id": "client-1",
        "client_secret": SECRET,
        "client_name": "renamed",
        "redirect_uris": ["https://app.example.com/cb"],
        "token_endpoint_auth_method": "client_secret_basic",
        "contacts": ["a@b"],
    }
    for forbidden in ("client_id", "client_secret", "registration_access_token", "client_secret_expires_at"):
        with pytest.raises(InvalidParam, match=forbidden):
            registration.update_request_body({forbidden: "x"})


def test_as_dict_round_trip() -> None:
    key = Jwk.generate(alg="ES256").with_kid_thumbprint()
    registration = check_client_information(
        {"client_id": "c", "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [dict(key.public_jwk())]}},
        private_key=key,
    )
    restored = ClientRegistration.from_dict(registration.as_dict())
    assert restored == registration
    assert restored.private_key is not None
    assert restored.private_key.thumbprint() == key.thumbprint()
    with pytest.raises(ValueError, match="not a JWK"):
        ClientRegistration.from_dict({"client_information": INFO, "private_key": {"kty": "nope"}})


# ------------------------------------------------------------------------------------------ requests


def test_register_client(requests_mock: Any) -> None:
    requests_mock.post(REGISTRATION_ENDPOINT, status_code=201, json=INFO)
    session = requests.Session()
    registered = register_client(
        REGISTRATION_ENDPOINT,
        {"client_name": "app", "redirect_uris": ["https://app.example.com/cb"]},
        initial_access_token="initial-token",
        software_statement="eyJ.s.t",
        session=session,
        grant_types=["authorization_code"],
    )
    request = requests_mock.last_request
    assert request.headers["Authorization"] == "Bearer initial-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "client_name": "app",
        "redirect_uris": ["https://app.example.com/cb"],
        "grant_types": ["authorization_code"],
        "software_statement": "eyJ.s.t",
    }
    assert registered.client_id == "client-1"
    assert registered.session is session
    assert registered.registration == check_client_information(INFO)
    # open registration: no Authorization header
    register_client(REGISTRATION_ENDPOINT, client_name="app")
    assert "Authorization" not in requests_mock.last_request.headers


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status_code": 400, "json": {"error": "invalid_client_metadata"}}, InvalidClientMetadata),
        ({"status_code": 401, "json": {"error": "invalid_token"}}, RegistrationError),
        ({"status_code": 500, "text": "<html>"}, InvalidRegistrationResponse),
        ({"status_code": 201, "text": "<html>"}, InvalidRegistrationResponse),
        ({"status_code": 201, "json": {**INFO, "client_secret_expires_at": "never"}}, InvalidRegistrationResponse),
        ({"status_code": 302, "headers": {"Location": "https://elsewhere"}}, UnexpectedRedirect),
    ],
)
def test_register_client_errors(requests_mock: Any, answer: dict[str, Any], error: type[Exception]) -> None:
    requests_mock.post(REGISTRATION_ENDPOINT, **answer)
    with pytest.raises(error) as exc_info:
        register_client(REGISTRATION_ENDPOINT, client_name="app", initial_access_token="initial-token")
    assert "initial-token" not in str(exc_info.value)
    assert "initial-token" not in repr(getattr(exc_info.value, "client", None))
    assert SECRET not in str(exc_info.value)
    assert requests_mock.call_count == 1


def test_registration_errors_are_registration_errors_naming_the_endpoint(requests_mock: Any) -> None:
    requests_mock.post(REGISTRATION_ENDPOINT, status_code=401, json={"error": "invalid_client"})
    with pytest.raises(InvalidClient) as exc_info:
        register_client(REGISTRATION_ENDPOINT, client_name="app")
    assert isinstance(exc_info.value, RegistrationError)
    assert str(exc_info.value).startswith(
        f"The registration endpoint ({REGISTRATION_ENDPOINT}) answered HTTP 401, error `invalid_client`"
    )
    requests_mock.post(REGISTRATION_ENDPOINT, status_code=503, text="<html>")
    with pytest.raises(ServerUnavailable) as unavailable_info:
        register_client(REGISTRATION_ENDPOINT, client_name="app")
    assert isinstance(unavailable_info.value, InvalidRegistrationResponse)


def test_an_echoed_initial_access_token_is_masked(requests_mock: Any) -> None:
    requests_mock.post(
        REGISTRATION_ENDPOINT,
        status_code=401,
        json={"error": "invalid_token", "error_description": "token initial-token-0123 is unknown"},
    )
    with pytest.raises(RegistrationError) as exc_info:
        register_client(REGISTRATION_ENDPOINT, client_name="app", initial_access_token="initial-token-0123")
    assert "initial-token-0123" not in str(exc_info.value)
    assert "token <redacted> is unknown" in str(exc_info.value)


def test_options_of_requests_are_not_client_metadata(requests_mock: Any) -> None:
    with pytest.raises(RequestsOptionAsParameter, match="the registration request"):
        register_client(REGISTRATION_ENDPOINT, client_name="app", verify=False)
    with pytest.raises(RequestsOptionAsParameter, match="the registration update"):
        registered_client().update(client_name="x", timeout=3)
    assert requests_mock.call_count == 0


def test_register_client_refuses_http_and_private_keys(requests_mock: Any) -> None:
    with pytest.raises(InvalidEndpointUri):
        register_client("http://as.example.com/register", client_name="app")
    with pytest.raises(InvalidParam):
        register_client(REGISTRATION_ENDPOINT, jwks={"keys": [dict(Jwk.generate(alg="ES256"))]})
    assert requests_mock.call_count == 0


def registered_client(**changes: Any) -> RegisteredClient:
    return RegisteredClient(check_client_information({**INFO, **changes}))


def test_read_update_delete(requests_mock: Any) -> None:
    registered = registered_client()
    requests_mock.get(CONFIGURATION_URI, json={**INFO, "client_name": "as read"})
    assert registered.read().metadata["client_name"] == "as read"
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {RAT}"
    assert registered.registration.metadata["client_name"] == "as read"

    requests_mock.put(CONFIGURATION_URI, json={**INFO, "client_name": "renamed", "registration_access_token": "rat-2"})
    updated = registered.update({"client_name": "renamed"}, contacts=["a@b"])
    sent = requests_mock.last_request.json()
    assert sent["client_name"] == "renamed"
    assert sent["contacts"] == ["a@b"]
    assert sent["client_id"] == "client-1"
    assert "registration_access_token" not in sent
    assert updated.registration_access_token == "rat-2"
    assert registered.registration is updated

    requests_mock.delete(CONFIGURATION_URI, status_code=204)
    registered.delete()
    assert requests_mock.last_request.headers["Authorization"] == "Bearer rat-2"  # the rotated token


def test_management_errors(requests_mock: Any) -> None:
    registered = registered_client()
    requests_mock.get(CONFIGURATION_URI, status_code=401, json={"error": "invalid_token"})
    with pytest.raises(RegistrationError) as exc_info:
        registered.read()
    assert exc_info.value.error == "invalid_token"
    assert RAT not in repr(exc_info.value.client)
    requests_mock.get(CONFIGURATION_URI, json={**INFO, "client_id": "another"})
    with pytest.raises(InvalidRegistrationResponse, match="about client 'another'"):
        registered.read()
    assert registered.registration.client_id == "client-1"  # nothing replaced
    for unmanageable in (
        registered_client(registration_access_token=None),
        registered_client(registration_client_uri=None),
    ):
        with pytest.raises(InvalidParam, match="cannot be read, updated or deleted"):
            unmanageable.delete()


def test_oauth2_client_from_a_discovery_document() -> None:
    discovery = {"issuer": "https://as.example.com", "token_endpoint": "https://as.example.com/token"}
    client = registered_client(token_endpoint_auth_method="client_secret_jwt").oauth2_client(discovery)
    assert client.issuer == "https://as.example.com"
    assert isinstance(client.auth, ClientSecretJwt)
    assert client.auth.aud == "https://as.example.com"
    assert client.redirect_uri == "https://app.example.com/cb"


def test_serializer() -> None:
    serializer = RegistrationSerializer()
    registration = check_client_information(INFO)
    stored = serializer.dumps(registration)
    assert serializer.loads(stored) == registration
    assert serializer.loads(stored.decode()) == registration
    assert json.loads(stored)["client_information"]["client_secret"] == SECRET  # secrets are stored: documented
    for garbage in (b"not json", b"[1]", b'{"client_information": {"client_id": 1}}', "\u00e9"):
        with pytest.raises(InvalidSerializedData):
            serializer.loads(garbage)
    http = check_client_information({**INFO, "registration_client_uri": "http://127.0.0.1/r"}, https=False)
    with pytest.raises(InvalidSerializedData, match="https"):
        serializer.loads(serializer.dumps(http))
    assert RegistrationSerializer(https=False).loads(serializer.dumps(http)) == http
