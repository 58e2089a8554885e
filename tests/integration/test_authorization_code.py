"""Authorization code flow and OpenID Connect against the real authorization server: PKCE, ID Token validation,
RFC 9207 `iss`, PAR, JAR, JARM, RAR, resource indicators, and a denied login."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import yarl
from jwskate import Jwk

from requests_oauth2client import (
    ApiClient,
    AuthorizationRequest,
    AuthorizationResponse,
    AuthorizationResponseError,
    BearerToken,
    ClientSecretBasic,
    IdToken,
    InvalidAuthResponse,
    MismatchingIssuer,
    MismatchingState,
    MissingIssuer,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    PrivateKeyJwt,
    PublicApp,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
)
from tests.integration.harness import Harness
from tests.integration.recording import recording_client


def discovered(as_server: Harness, auth: object, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=auth,
        redirect_uri=redirect_uri,
        testing=True,  # type: ignore[arg-type]
    )


@pytest.fixture
def public_client(as_server: Harness) -> OAuth2Client:
    return discovered(as_server, PublicApp("client-public"), as_server.public_redirect_uri(54321))


@pytest.fixture
def confidential_client(as_server: Harness) -> OAuth2Client:
    return discovered(
        as_server, ClientSecretBasic("client-basic", as_server.client_secret("client-basic")), as_server.redirect_uri
    )


def login(
    as_server: Harness,
    azr: AuthorizationRequest | RequestUriParameterAuthorizationRequest | RequestParameterAuthorizationRequest,
    redirect_uri: str,
) -> str:
    return as_server.authorize(azr.uri, redirect_uri)


def test_public_client_with_pkce(as_server: Harness, public_client: OAuth2Client) -> None:
    azr = public_client.authorization_request(scope="openid profile offline_access", prompt="consent")
    assert azr.code_challenge_method == "S256"
    assert azr.nonce is not None
    callback = login(as_server, azr, azr.redirect_uri or "")
    assert parse_qs(urlsplit(callback).query)["iss"] == [as_server.issuer]
    response = azr.validate_callback(callback)
    assert isinstance(response, AuthorizationResponse)
    assert response.code_verifier == azr.code_verifier
    token = public_client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.nonce == azr.nonce
    assert token.id_token.subject == as_server.demo_user["username"]
    # public clients' refresh tokens rotate: the new one is used, the ID Token in the answer is validated too
    refreshed = public_client.refresh_token(token)
    assert refreshed.refresh_token != token.refresh_token
    assert isinstance(refreshed.id_token, IdToken)
    assert refreshed.id_token.subject == token.id_token.subject


def test_confidential_client_and_auth_handler(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request(scope="openid email", max_age=600, acr_values="urn:x:any")
    response = azr.validate_callback(login(as_server, azr, as_server.redirect_uri))
    auth = OAuth2AuthorizationCodeAuth(confidential_client, response)
    userinfo = ApiClient(confidential_client.userinfo_endpoint or "", auth=auth).post().json()
    assert userinfo["sub"] == as_server.demo_user["username"]
    assert auth.code is None
    assert isinstance(auth.token, BearerToken)


def test_wrong_iss_or_state_in_the_callback_is_refused(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request()
    callback = login(as_server, azr, as_server.redirect_uri)
    parts = urlsplit(callback)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}

    def with_params(**changes: str | None) -> str:
        new = {**params, **changes}
        query = urlencode({k: v for k, v in new.items() if v is not None})
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))

    with pytest.raises(MismatchingIssuer):
        azr.validate_callback(with_params(iss="https://evil.example.com"))
    with pytest.raises(InvalidAuthResponse):  # the AS announces iss, so a callback without it is refused
        azr.validate_callback(with_params(iss=None))
    with pytest.raises(MismatchingState):
        azr.validate_callback(with_params(state="forged"))
    assert azr.validate_callback(callback).code == params["code"]


def test_denied_login(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request(login_hint=as_server.contract["deny_login_hint"])
    callback = login(as_server, azr, as_server.redirect_uri)
    with pytest.raises(AuthorizationResponseError) as exc_info:
        azr.validate_callback(callback)
    assert exc_info.value.error == "access_denied"


def test_par(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request(scope="openid")
    par = confidential_client.pushed_authorization_request(azr)
    assert isinstance(par, RequestUriParameterAuthorizationRequest)
    assert par.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    assert par.expires_at is not None
    response = azr.validate_callback(login(as_server, par, as_server.redirect_uri))
    token = confidential_client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)


def test_jar_with_private_key_jwt(as_server: Harness) -> None:
    key = Jwk(as_server.private_jwk("RS256"))
    client = discovered(
        as_server, PrivateKeyJwt("client-private-key-jwt", key, aud=as_server.issuer), as_server.redirect_uri
    )
    azr = client.authorization_request(scope="openid")
    jar = azr.sign(key)
    assert isinstance(jar, RequestParameterAuthorizationRequest)
    assert jar.request.headers["typ"] == "oauth-authz-req+jwt"
    claims = jar.request.claims
    assert claims["iss"] == "client-private-key-jwt"
    assert claims["aud"] == as_server.issuer
    for claim in ("iat", "nbf", "exp", "jti"):
        assert claim in claims
    response = azr.validate_callback(login(as_server, jar, as_server.redirect_uri))
    token = client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.nonce == azr.nonce


def test_jarm(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request(scope="openid", response_mode="query.jwt")
    callback = login(as_server, azr, as_server.redirect_uri)
    assert "response" in parse_qs(urlsplit(callback).query)
    response = azr.validate_callback(callback)
    token = confidential_client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)


def test_jarm_with_a_forged_signature_is_refused(as_server: Harness, confidential_client: OAuth2Client) -> None:
    azr = confidential_client.authorization_request(scope="openid", response_mode="query.jwt")
    callback = login(as_server, azr, as_server.redirect_uri)
    parts = urlsplit(callback)
    jwt = parse_qs(parts.query)["response"][0]
    header, payload, signature = jwt.split(".")
    forged = ".".join((header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")))
    with pytest.raises(InvalidAuthResponse):
        azr.validate_callback(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode({"response": forged}), "")))


def test_rar_and_resource_indicators(as_server: Harness, confidential_client: OAuth2Client) -> None:
    details = [{"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "12.00"}}]
    azr = confidential_client.authorization_request(
        scope="openid api:read", resource="urn:harness:api", authorization_details=details
    )
    assert json.loads(azr.args["authorization_details"]) == details  # type: ignore[arg-type]
    response = azr.validate_callback(login(as_server, azr, as_server.redirect_uri))
    token = confidential_client.authorization_code(response, resource="urn:harness:api")
    assert token.authorization_details == details
    introspection = confidential_client.introspect_token(token)
    assert introspection["aud"] == "urn:harness:api"
    assert introspection["scope"] == "api:read"
    assert introspection["authorization_details"] == details


@pytest.mark.parametrize("scope", [[], (), ""], ids=repr)
def test_an_empty_scope_is_left_out_of_authorization_requests(as_server: Harness, scope: object) -> None:
    client, bodies = recording_client(as_server)
    azr = client.authorization_request(scope=scope)
    assert "scope=" not in azr.uri
    assert azr.nonce is None
    par = client.pushed_authorization_request(azr)  # the server accepts the pushed request
    assert "scope" not in bodies[-1]
    # with nothing to consent to, this server denies: the answer goes through the usual callback checks
    with pytest.raises(AuthorizationResponseError) as exc_info:
        azr.validate_callback(login(as_server, par, as_server.redirect_uri))
    assert exc_info.value.error == "access_denied"


def test_a_callback_without_parameters_and_a_yarl_callback(
    as_server: Harness, confidential_client: OAuth2Client
) -> None:
    azr = confidential_client.authorization_request(scope="openid")
    callback = login(as_server, azr, as_server.redirect_uri)
    # a reload of the bare redirect URI: this AS is known to send `iss`, so that check comes first
    with pytest.raises(MissingIssuer) as exc_info:
        azr.validate_callback(as_server.redirect_uri)
    assert exc_info.value.url == yarl.URL(as_server.redirect_uri)
    without_iss_flag = AuthorizationRequest(
        azr.authorization_endpoint, client_id=azr.client_id, redirect_uri=azr.redirect_uri, issuer=azr.issuer
    )
    with pytest.raises(MismatchingState):
        without_iss_flag.validate_callback(as_server.redirect_uri)
    # the real callback, as a yarl URL (the next release's API)
    response = azr.validate_callback(yarl.URL(callback))
    token = confidential_client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)
    assert str(azr.yarl) == azr.uri


def test_a_tampered_id_token_signature_is_a_jwskate_invalid_signature(as_server: Harness) -> None:
    import requests
    from jwskate import InvalidSignature

    from requests_oauth2client import InvalidIdToken

    session = requests.Session()

    def tamper(response: requests.Response, *args: object, **kwargs: object) -> None:
        if response.url == as_server.endpoint("token_endpoint") and response.ok:
            body = response.json()
            header, claims, signature = body["id_token"].split(".")
            body["id_token"] = f"{header}.{claims}.{signature[::-1]}"
            response._content = json.dumps(body).encode()

    session.hooks["response"].append(tamper)
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        redirect_uri=as_server.redirect_uri,
        session=session,
        testing=True,
    )
    azr = client.authorization_request(scope="openid")
    response = azr.validate_callback(login(as_server, azr, as_server.redirect_uri))
    with pytest.raises(InvalidSignature) as exc_info:
        client.authorization_code(response)
    assert isinstance(exc_info.value, InvalidIdToken)
