"""The test server's protected resource, resource first: RFC 9728 metadata, challenges, step-up (RFC 9470).

Requests only, never the library under test.
"""

from __future__ import annotations

import re
import time

import requests

from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT, pkce_pair, query, verify_server_jwt, with_query


def challenge_params(header: str, scheme: str = "Bearer") -> dict[str, str]:
    """The parameters of the `scheme` challenge of a WWW-Authenticate header (quoted values only, as sent here)."""
    challenges: dict[str, dict[str, str]] = {}
    current = ""
    for new_scheme, name, value in re.findall(r'(?:^|,)\s*(?:([A-Za-z][\w-]*)\s+)?([A-Za-z_]+)="([^"]*)"', header):
        if new_scheme:
            current = new_scheme
            challenges[current] = {}
        challenges[current][name] = value
    return challenges[scheme]


def user_token(
    h: Harness, session: requests.Session | None = None, scope: str = "openid api:read", **extra: str
) -> dict[str, str]:
    """Tokens for the demo user from `client-basic` (authorization code + PKCE), with `extra` authorization params."""
    verifier, challenge = pkce_pair()
    resource = extra.pop("resource", "urn:harness:api")
    params = {
        "client_id": "client-basic",
        "response_type": "code",
        "redirect_uri": h.redirect_uri,
        "scope": scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": resource,
        **extra,
    }
    callback = query(h.authorize(with_query(h.endpoint("authorization_endpoint"), **params), h.redirect_uri, session))
    assert "code" in callback, callback
    data = {
        "grant_type": "authorization_code",
        "code": callback["code"],
        "redirect_uri": h.redirect_uri,
        "code_verifier": verifier,
        "resource": resource,
    }
    tok = requests.post(
        h.endpoint("token_endpoint"), data=data, auth=("client-basic", h.client_secret("client-basic")), timeout=TIMEOUT
    )
    assert tok.status_code == 200, tok.text
    return dict(tok.json())


def get(url: str, access_token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return requests.get(url, headers=headers, timeout=TIMEOUT)


# ----------------------------------------------------------------- RFC 9728


def test_401_points_to_the_resource_metadata(as_server: Harness) -> None:
    h = as_server
    url = h.resource_url + "/items"
    resp = get(url)
    assert resp.status_code == 401
    header = resp.headers["WWW-Authenticate"]
    bearer = challenge_params(header)
    metadata_url = f"{h.issuer}/.well-known/oauth-protected-resource/api/resource/items"
    assert bearer == {"realm": "/api/resource", "resource_metadata": metadata_url}
    assert challenge_params(header, "DPoP")["resource_metadata"] == metadata_url
    assert h.resource_metadata_url(url) == metadata_url
    # also with an error
    resp = get(url, "not-a-token")
    assert challenge_params(resp.headers["WWW-Authenticate"])["resource_metadata"] == metadata_url

    meta = requests.get(metadata_url, timeout=TIMEOUT)
    assert meta.status_code == 200, meta.text
    doc = meta.json()
    assert doc["resource"] == url  # RFC 9728 section 3.3: identical to the identifier the URL was made from
    assert doc["authorization_servers"] == [h.issuer]
    assert doc["scopes_supported"] == h.protected_resource["scopes"]
    assert doc["bearer_methods_supported"] == ["header"]
    assert "ES256" in doc["dpop_signing_alg_values_supported"]
    assert "tls_client_certificate_bound_access_tokens" not in doc
    # the AS named there is this server
    as_meta = requests.get(doc["authorization_servers"][0] + "/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    assert as_meta.json()["issuer"] == h.issuer


def test_resource_metadata_of_the_origin_and_unknown_paths(as_server: Harness) -> None:
    h = as_server
    root = requests.get(h.protected_resource["metadata_url"], timeout=TIMEOUT)
    assert root.status_code == 200
    assert root.json()["resource"] == h.issuer
    assert h.resource_metadata_url(h.issuer) == h.protected_resource["metadata_url"]
    missing = requests.get(h.protected_resource["metadata_url"] + "/elsewhere", timeout=TIMEOUT)
    assert missing.status_code == 404


def test_resource_identifier_is_a_resource_indicator(as_server: Harness) -> None:
    """The `resource` of the metadata can be sent as RFC 8707 `resource`; the token's aud is then that URL."""
    h = as_server
    resource = requests.get(h.resource_metadata_url(h.resource_url), timeout=TIMEOUT).json()["resource"]
    tokens = user_token(h, scope="api:read", resource=resource)
    ok = get(h.resource_url, tokens["access_token"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["aud"] == resource
    cc = requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials", "resource": h.issuer, "scope": "api:read"},
        auth=("client-basic", h.client_secret("client-basic")),
        timeout=TIMEOUT,
    )
    assert cc.status_code == 200, cc.text
    assert get(h.resource_url, cc.json()["access_token"]).json()["aud"] == h.issuer
    # control: a URL on another origin is not a resource of this server
    refused = requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials", "resource": "http://127.0.0.1:1/api/resource"},
        auth=("client-basic", h.client_secret("client-basic")),
        timeout=TIMEOUT,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_target"


# ------------------------------------------------------- scope and step-up


def test_insufficient_scope(as_server: Harness) -> None:
    h = as_server
    url = h.protected_resource["scoped_url"]
    read_only = user_token(h, scope="api:read")["access_token"]
    refused = get(url, read_only)
    assert refused.status_code == 403
    params = challenge_params(refused.headers["WWW-Authenticate"])
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == h.protected_resource["required_scope"] == "api:write"
    assert params["resource_metadata"] == h.resource_metadata_url(url)
    writer = user_token(h, scope="api:read api:write")["access_token"]
    assert get(url, writer).status_code == 200


def test_step_up_acr(as_server: Harness) -> None:
    h = as_server
    url = h.protected_resource["step_up_url"]
    mfa = h.protected_resource["step_up_acr"]
    assert h.discovery()["acr_values_supported"] == list(h.acr_values.values())
    s = requests.Session()
    first = user_token(h, s)
    # no acr asked for: none produced, as before acr support
    assert "acr" not in verify_server_jwt(h, first["id_token"]).claims
    refused = get(url, first["access_token"])
    assert refused.status_code == 401
    params = challenge_params(refused.headers["WWW-Authenticate"])
    assert params["error"] == "insufficient_user_authentication"
    assert params["acr_values"] == mfa
    # a session without that acr cannot satisfy it silently...
    _, challenge = pkce_pair()
    silent = with_query(
        h.endpoint("authorization_endpoint"),
        client_id="client-basic",
        response_type="code",
        redirect_uri=h.redirect_uri,
        scope="openid",
        prompt="none",
        acr_values=mfa,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    assert query(h.authorize(silent, h.redirect_uri, s))["error"] == "login_required"
    # ...the user logs in again (automatic here), the new tokens carry it
    stepped = user_token(h, s, acr_values=mfa)
    verify_server_jwt(h, stepped["id_token"], acr=mfa)
    ok = get(url, stepped["access_token"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["acr"] == mfa
    # the weaker acr is produced when asked for, and is refused by the step-up route
    pwd = user_token(h, requests.Session(), acr_values=h.acr_values["pwd"])
    assert verify_server_jwt(h, pwd["id_token"]).claims["acr"] == h.acr_values["pwd"]
    assert get(url, pwd["access_token"]).status_code == 401


def test_step_up_max_age(as_server: Harness) -> None:
    h = as_server
    template = h.protected_resource["max_age_url"]
    tokens = user_token(h, max_age="600")
    at = tokens["access_token"]
    auth_time = verify_server_jwt(h, tokens["id_token"]).claims["auth_time"]  # there since max_age was sent
    ok = get(template.format(max_age=600), at)
    assert ok.status_code == 200, ok.text
    assert ok.json()["auth_time"] == auth_time
    # whole seconds: one second later, the authentication is older than max_age=0 for sure
    time.sleep(1)
    refused = get(template.format(max_age=0), at)
    assert refused.status_code == 401
    params = challenge_params(refused.headers["WWW-Authenticate"])
    assert params["error"] == "insufficient_user_authentication"
    assert params["max_age"] == "0"
    # a token without any end-user authentication (client_credentials) never satisfies it
    cc = requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials"},
        auth=("client-basic", h.client_secret("client-basic")),
        timeout=TIMEOUT,
    )
    assert get(template.format(max_age=600), cc.json()["access_token"]).status_code == 401
