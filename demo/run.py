"""A guided tour against a real authorization server running on 127.0.0.1.

Run it with `make demo` (which sets everything up) or `.venv/bin/python demo/run.py`.

It starts the project's test authorization server (tests/server, panva's
oidc-provider) with the same start/stop functions as the integration tests,
runs each step in `STEPS` in order, and stops the server at the end.

To add a step: write a function that takes the `Context`, starts with
`step("title")`, prints what it does with `show()`, keeps what later steps
need in `ctx.data`, and append it to `STEPS`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import requests  # noqa: E402

from requests_oauth2client import (  # noqa: E402
    ApiClient,
    ClientSecretBasic,
    DeviceAuthorizationPollingJob,
    DPoPToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    TlsClientAuth,
)
from tests.integration.harness import (  # noqa: E402
    Harness,
    ServerStartError,
    start_server,
    stop_server,
)
from tests.integration.pki import make_test_pki  # noqa: E402


@dataclass
class Context:
    """What every step gets: the running server and a place to pass results on."""

    harness: Harness
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.harness.issuer


Step = Callable[[Context], None]

_counter = itertools.count(1)


def step(title: str) -> None:
    """Print a numbered step heading."""
    heading = f"Step {next(_counter)}: {title}"
    print()
    print(heading)
    print("-" * len(heading))


def show(label: str, value: object = "") -> None:
    """Print one `label: value` line, aligned."""
    text = str(value)
    if len(text) > 80:
        text = "\n" + textwrap.indent(textwrap.fill(text, 86, break_on_hyphens=False), " " * 4)
    print(f"  {label:<38} {text}" if label else f"  {text}")


# ----------------------------------------------------------------------- steps


def discover(ctx: Context) -> None:
    step("Discovery: build a client from the server's metadata")
    secret = ctx.harness.client_secret("client-basic")
    client = OAuth2Client.from_discovery_endpoint(
        issuer=ctx.issuer,
        auth=ClientSecretBasic("client-basic", secret),
        redirect_uri=ctx.harness.redirect_uri,
        testing=True,  # the local server speaks http on 127.0.0.1; real servers must use https
    )
    ctx.data["client"] = client
    show("OAuth2Client.from_discovery_endpoint", f"issuer={ctx.issuer}")
    for name in (
        "token_endpoint",
        "authorization_endpoint",
        "pushed_authorization_request_endpoint",
        "device_authorization_endpoint",
        "backchannel_authentication_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "userinfo_endpoint",
    ):
        show(name, getattr(client, name))
    show("AS signing keys fetched", len(client.authorization_server_jwks))
    show("issuer in callbacks (RFC 9207)", client.authorization_response_iss_parameter_supported)


def client_credentials_secret(ctx: Context) -> None:
    step("Client credentials grant, client_secret_basic")
    client: OAuth2Client = ctx.data["client"]
    token = client.client_credentials(scope="api:read")
    show("client.client_credentials(scope='api:read')")
    show("access token", f"{token.access_token[:12]}... ({token.token_type})")
    show("expires in", f"{token.expires_in} s")
    show("scope", token.scope)


def client_credentials_private_key_jwt(ctx: Context) -> None:
    step("Client credentials grant, private_key_jwt (signed client assertion)")
    key = ctx.harness.private_jwk("ES256")
    client = OAuth2Client(
        ctx.harness.endpoint("token_endpoint"),
        client_id="client-private-key-jwt",
        private_key=key,
        issuer=ctx.issuer,
        testing=True,
    )
    token = client.client_credentials(scope="api:read")
    show("auth method", type(client.auth).__name__)
    show("assertion signing key", f"kid={key.get('kid')} alg={key.get('alg')}")
    show("access token", f"{token.access_token[:12]}... expires in {token.expires_in} s")


def api_call(ctx: Context) -> None:
    step("Calling an API: ApiClient + OAuth2ClientCredentialsAuth")
    client: OAuth2Client = ctx.data["client"]
    api = ApiClient(ctx.harness.resource_url, auth=OAuth2ClientCredentialsAuth(client, scope="api:read"))
    for path in ("orders", "orders/42"):
        response = api.get(path)
        body = response.json()
        show(f"GET {path}", f"HTTP {response.status_code}, seen by the API as client_id={body['client_id']}")
    show("token requests made", "1 (the handler caches the token until it expires)")


def authorization_code(ctx: Context) -> None:
    step("Authorization code flow with PKCE and OpenID Connect")
    client: OAuth2Client = ctx.data["client"]
    azr = client.authorization_request(scope="openid profile offline_access", prompt="consent")
    show("open this URL in a browser", azr.uri)
    callback = ctx.harness.authorize(azr.uri, ctx.harness.redirect_uri)  # the browser part, automated
    show("the browser comes back to", callback)
    response = azr.validate_callback(callback)  # checks state and iss
    show("state and iss", "checked")
    token = client.authorization_code(response)  # sends code_verifier, validates the ID Token
    ctx.data["user_token"] = token
    assert token.id_token is not None
    show("ID Token", f"validated: sub={token.id_token.subject}, nonce matches, signed {token.id_token.alg}")
    show("access token", f"{token.access_token[:12]}... expires in {token.expires_in} s")
    show("refresh token", f"{str(token.refresh_token)[:12]}...")
    show("userinfo", client.userinfo(token))


def refresh(ctx: Context) -> None:
    step("Refresh the tokens")
    client: OAuth2Client = ctx.data["client"]
    token = client.refresh_token(ctx.data["user_token"])
    ctx.data["user_token"] = token
    show("client.refresh_token(token)", f"new access token {token.access_token[:12]}...")


def introspect(ctx: Context) -> None:
    step("Introspection")
    client: OAuth2Client = ctx.data["client"]
    info = client.introspect_token(ctx.data["user_token"])
    for key in ("active", "sub", "client_id", "scope", "token_type"):
        show(key, info.get(key))


def revoke(ctx: Context) -> None:
    step("Revocation")
    client: OAuth2Client = ctx.data["client"]
    token = ctx.data["user_token"]
    show("revoke_access_token", client.revoke_access_token(token))
    show("revoke_refresh_token", client.revoke_refresh_token(token))
    show("introspection now says active", client.introspect_token(token)["active"])


def device_flow(ctx: Context) -> None:
    step("Device authorization grant (for devices without a browser)")
    client: OAuth2Client = ctx.data["client"]
    dar = client.authorize_device(scope="openid profile")
    print()
    print(f"    To sign in, open {dar.verification_uri} and enter the code {dar.user_code}")
    print(f"    (or open {dar.verification_uri_complete})")
    print()
    job = DeviceAuthorizationPollingJob(client, dar)
    show("first poll", "authorization pending" if job() is None else "token")
    ctx.harness.approve_device(str(dar.verification_uri_complete), dar.user_code)  # the user, automated
    show("the user", "approved on another device")
    token = None
    while token is None:
        token = job()
    assert token.id_token is not None
    show("token received for", token.id_token.subject)


def dpop(ctx: Context) -> None:
    step("DPoP: sender-constrained tokens, with server nonces")
    client = OAuth2Client.from_discovery_endpoint(
        issuer=ctx.issuer,
        auth=ClientSecretBasic("client-dpop", ctx.harness.client_secret("client-dpop")),
        dpop_bound_access_tokens=True,
        testing=True,
    )
    token = client.client_credentials(scope="api:read")
    assert isinstance(token, DPoPToken)
    show("token type", token.token_type)
    show("bound to key thumbprint", token.dpop_key.dpop_jkt)
    show("server nonce used", "yes" if token.dpop_key.as_nonce else "no")
    response = ApiClient(ctx.harness.resource_url, auth=token).get("dpop")
    show("API call with DPoP proof", f"HTTP {response.status_code}")


def mutual_tls(ctx: Context) -> None:
    step("Mutual TLS (RFC 8705): a client certificate, and tokens bound to it")
    # a second server, with an https issuer and a listener that asks for client certificates; the throw-away
    # certificates are made here (as the integration tests do)
    with tempfile.TemporaryDirectory(prefix="requests-oauth2client-demo-tls-") as tmp:
        pki = make_test_pki(Path(tmp) / "pki")
        server = start_server(Path(tmp) / "state", env=pki.server_env())
        try:
            tls = Harness.from_server(server, tls=pki)
            session = requests.Session()
            session.verify = str(pki.ca_file)  # the test CA: applied to every request, whatever REQUESTS_CA_BUNDLE says
            client = OAuth2Client.from_discovery_endpoint(
                issuer=tls.issuer,
                auth=TlsClientAuth("client-tls", cert=pki.client_tls.pair),
                session=session,
            )
            show("issuer", tls.issuer)
            show("token endpoint (its mTLS alias)", client.token_endpoint)
            token = client.client_credentials()
            show("token from tls_client_auth", token.token_type)
            token = token.with_cnf(client.introspect_token(token)["cnf"])
            show("bound to the certificate (x5t#S256)", token.x5t_s256)
            api = ApiClient(tls.mtls_resource_url, auth=OAuth2AccessTokenAuth(client, token), session=session)
            show("API call, with the certificate", f"HTTP {api.get().status_code}")
            without = requests.get(tls.mtls_resource_url, auth=token, verify=str(pki.ca_file), timeout=10)
            show("the same token, without it", f"HTTP {without.status_code}")
        finally:
            stop_server(server)


def command_line_tool(ctx: Context) -> None:
    step("The command-line tool: ro2c (python -m requests_oauth2client)")
    secret = ctx.harness.client_secret("client-basic")
    env = {**os.environ, "RO2C_CLIENT_SECRET": secret}  # the secret never goes on the command line
    server = ["--issuer", ctx.issuer, "--testing", "--client-id", "client-basic"]
    with tempfile.TemporaryDirectory(prefix="ro2c-demo-") as tmp:
        token_file = str(Path(tmp) / "token")
        for args in (
            ["client_credentials", *server, "--scope", "api:read", "--save-token", token_file],
            ["introspect", *server, "--token-file", token_file],
        ):
            print(f"\n  $ RO2C_CLIENT_SECRET=... ro2c {' '.join(args)}")
            result = subprocess.run(
                [sys.executable, "-m", "requests_oauth2client", *args],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(textwrap.indent(result.stderr + result.stdout, "    "), end="")
    show("tokens on screen", "hidden (--show-secrets prints them); --save-token passes them between commands")


STEPS: list[Step] = [
    discover,
    client_credentials_secret,
    client_credentials_private_key_jwt,
    api_call,
    authorization_code,
    refresh,
    introspect,
    revoke,
    device_flow,
    dpop,
    mutual_tls,
    command_line_tool,
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="requests-oauth2client-demo-") as tmp:
        step("Start a local authorization server")
        try:
            server = start_server(Path(tmp))
        except ServerStartError as exc:
            print(f"could not start the authorization server: {exc}", file=sys.stderr)
            return 1
        try:
            show("listening at", server.issuer)
            show("pid", server.pid)
            show("ready after", f"{server.startup_seconds:.2f} s")
            ctx = Context(harness=Harness.from_server(server))
            for fn in STEPS:
                fn(ctx)
        finally:
            t0 = time.perf_counter()
            stop_server(server)
            step("Stop the authorization server")
            show("stopped after", f"{time.perf_counter() - t0:.2f} s")
    print()
    print("Demo finished.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
