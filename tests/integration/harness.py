"""Start, stop and drive the loopback authorization server in `tests/server/`.

This module only uses the standard library and `requests`, never the library
under test, so the test harness stays independent of it. It is used by the
integration test fixtures (`conftest.py`) and by the demo (`demo/run.py`).
Starting and stopping the process lives in `server_process.py`; its names are
re-exported here.

    server = start_server(state_dir)
    try:
        harness = Harness.from_server(server)
        ...
    finally:
        stop_server(server)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.integration.server_process import (
    KEYS_CACHE,
    NPM_CI_TIMEOUT,
    READY_TIMEOUT,
    REPO_ROOT,
    SERVER_DIR,
    STOP_TIMEOUT,
    RunningServer,
    ServerStartError,
    _terminate,
    ensure_node_modules,
    free_port,
    new_state_dir,
    pid_exists,
    port_is_free,
    start_server,
    stop_server,
)

if TYPE_CHECKING:
    from tests.integration.pki import TestPki

__all__ = [
    "Harness",
    "KEYS_CACHE",
    "NPM_CI_TIMEOUT",
    "READY_TIMEOUT",
    "REPO_ROOT",
    "SERVER_DIR",
    "STOP_TIMEOUT",
    "RunningServer",
    "ServerStartError",
    "_terminate",
    "ensure_node_modules",
    "free_port",
    "new_state_dir",
    "pid_exists",
    "port_is_free",
    "start_server",
    "stop_server",
]

HTTP_TIMEOUT = 10.0
MAX_HOPS = 20

_REDIRECT_CODES = (301, 302, 303, 307, 308)


# --------------------------------------------------------------------- Harness


@dataclass
class Harness:
    """What tests need to know about a running authorization server.

    `contract` is the server's `harness.json`. `clients` maps client_id to its
    contract entry (client_secret, token_endpoint_auth_method, redirect_uris,
    grant_types, ...).
    """

    issuer: str
    port: int
    pid: int
    contract: dict[str, Any]
    clients: dict[str, dict[str, Any]]
    redirect_uri: str
    resource_url: str
    resource_nonce_url: str
    server: RunningServer | None = None
    # the test PKI of a TLS instance (`tls_server` fixture): CA, server and client certificates
    tls: TestPki | None = None
    _discovery: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def from_server(cls, server: RunningServer, *, tls: TestPki | None = None) -> Harness:
        contract = json.loads(server.contract_path.read_text())
        return cls.from_contract(contract, port=server.port, pid=server.pid, server=server, tls=tls)

    @classmethod
    def from_contract(
        cls,
        contract: dict[str, Any],
        *,
        port: int,
        pid: int,
        server: RunningServer | None = None,
        tls: TestPki | None = None,
    ) -> Harness:
        clients = contract["clients"]
        redirect_uri = next(
            uri for uri in clients["client-basic"]["redirect_uris"] if uri.startswith("http://127.0.0.1")
        )
        return cls(
            issuer=contract["issuer"],
            port=port,
            pid=pid,
            contract=contract,
            clients=clients,
            redirect_uri=redirect_uri,
            resource_url=contract["resource_url"],
            resource_nonce_url=contract["resource_nonce_url"],
            server=server,
            tls=tls,
        )

    # ------------------------------------------------------------ contract
    @property
    def discovery_url(self) -> str:
        return str(self.contract["discovery"])

    @property
    def demo_user(self) -> dict[str, str]:
        """`{"username": ..., "password": ...}` accepted by the password grant."""
        return dict(self.contract["demo_user"])

    @property
    def short_ttl_client_id(self) -> str:
        """client_credentials-only client whose access tokens live 2 seconds."""
        return str(self.contract["short_ttl_client"])

    def client_secret(self, client_id: str) -> str:
        """The client_secret of a static client (KeyError if it has none)."""
        secret = self.clients[client_id].get("client_secret")
        if secret is None:
            raise KeyError(f"client {client_id} has no client_secret")
        return str(secret)

    def private_jwks(self) -> dict[str, Any]:
        """Private JWKS (`{"keys": [RS256 key, ES256 key]}`) of `client-private-key-jwt`."""
        return dict(json.loads(Path(self.contract["files"]["private_key_jwt_jwks"]).read_text()))

    def private_jwk(self, alg: str = "RS256") -> dict[str, Any]:
        """The private JWK of `client-private-key-jwt` for `alg` (RS256 or ES256)."""
        return next(dict(k) for k in self.private_jwks()["keys"] if k["alg"] == alg)

    def trusted_issuer_jwk(self) -> dict[str, Any]:
        """Private ES256 JWK of the trusted JWT-bearer assertion issuer."""
        return dict(json.loads(Path(self.contract["files"]["trusted_issuer_jwk"]).read_text()))

    def public_redirect_uri(self, port: int | None = None, path: str = "/callback") -> str:
        """A loopback redirect_uri for `client-public` (any port is accepted, RFC 8252)."""
        return f"http://127.0.0.1:{port or free_port()}{path}"

    def client_private_jwks(self, client_id: str) -> dict[str, Any]:
        """The private JWKS of a client whose keys the server wrote to its state directory.

        `client-private-key-jwt` (RS256, ES256), `client-encrypted` (ES256 signing key and RSA-OAEP-256
        encryption key) and `client-fapi2` (ES256, PS256). KeyError for other clients.
        """
        path = self.contract["files"]["client_private_jwks"][client_id]
        return dict(json.loads(Path(path).read_text()))

    @property
    def rotating_client_id(self) -> str:
        """Client whose access tokens live 2 seconds and whose refresh tokens rotate on every use."""
        return str(self.contract["rotating_client"])

    @property
    def acr_values(self) -> dict[str, str]:
        """The acr values the automatic login can produce: `{"pwd": ..., "mfa": ...}`."""
        return dict(self.contract["acr_values"])

    @property
    def protected_resource(self) -> dict[str, Any]:
        """URLs of the protected resource's RFC 9728 metadata and of its routes with extra demands.

        `metadata_url`, `scoped_url` (403 `insufficient_scope` without `required_scope`), `step_up_url`
        (401 `insufficient_user_authentication` unless the token's acr is `step_up_acr`), `max_age_url`
        (a template: `{max_age}` seconds since the authentication at most), `scopes`.
        """
        return dict(self.contract["protected_resource"])

    @staticmethod
    def resource_metadata_url(resource: str) -> str:
        """RFC 9728 section 3.1: the metadata URL of a resource identifier (`.well-known` inserted)."""
        parts = urlsplit(resource)
        path = parts.path if parts.path != "/" else ""
        return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-protected-resource{path}"

    # ---------------------------------------------------------------- TLS
    @property
    def verify(self) -> str | bool:
        """What to give `requests` as `verify=`: the test CA file on a TLS instance, else True.

        Pass it on each call: with `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE` in the environment (as on this
        machine), `requests` lets them override a `Session.verify` (requests issue #3829).
        """
        return str(self.tls.ca_file) if self.tls is not None else True

    @property
    def mtls_origin(self) -> str:
        """Origin of the listener that asks for client certificates (TLS instance only)."""
        return str(self._tls_contract()["mtls_origin"])

    @property
    def mtls_resource_url(self) -> str:
        """The protected resource on the mTLS listener (where certificate-bound tokens can be used)."""
        return str(self._tls_contract()["mtls_resource_url"])

    def mtls_endpoint(self, name: str) -> str:
        """The RFC 8705 `mtls_endpoint_aliases` entry for `name`, e.g. `mtls_endpoint("token_endpoint")`."""
        return str(self.discovery()["mtls_endpoint_aliases"][name])

    def _tls_contract(self) -> dict[str, Any]:
        tls = self.contract.get("tls")
        if not tls:
            raise RuntimeError("this server has no TLS listener; use the tls_server fixture")
        return dict(tls)

    # ----------------------------------------------------------- statistics
    def token_stats(self, client_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Token endpoint requests counted by the server: `{client_id: {grant_type: {requests, issued, errors}}}`."""
        params = {"client_id": client_id} if client_id else None
        resp = requests.get(self.contract["stats_url"], params=params, timeout=HTTP_TIMEOUT, verify=self.verify)
        resp.raise_for_status()
        return dict(resp.json()["token_endpoint"])

    def reset_token_stats(self, client_id: str | None = None) -> None:
        """Forget the counted token requests (of one client, or all)."""
        params = {"client_id": client_id} if client_id else None
        resp = requests.delete(self.contract["stats_url"], params=params, timeout=HTTP_TIMEOUT, verify=self.verify)
        resp.raise_for_status()

    # ------------------------------------------------------------ metadata
    def discovery(self) -> dict[str, Any]:
        """The OpenID Connect discovery document (fetched once)."""
        if self._discovery is None:
            resp = requests.get(self.discovery_url, timeout=HTTP_TIMEOUT, verify=self.verify)
            resp.raise_for_status()
            self._discovery = dict(resp.json())
        return self._discovery

    def endpoint(self, name: str) -> str:
        """An endpoint from discovery, e.g. `endpoint("token_endpoint")`."""
        return str(self.discovery()[name])

    def server_jwks(self) -> dict[str, Any]:
        """The server's public JWKS (signing keys and, with `use: enc`, its encryption keys)."""
        resp = requests.get(self.endpoint("jwks_uri"), timeout=HTTP_TIMEOUT, verify=self.verify)
        resp.raise_for_status()
        return dict(resp.json())

    # ------------------------------------------------------- "the browser"
    def authorize(
        self,
        authorization_url: str,
        redirect_uri: str,
        session: requests.Session | None = None,
        max_hops: int = MAX_HOPS,
    ) -> str:
        """Play the user agent: follow redirects from `authorization_url` until `redirect_uri`.

        Login (as `login_hint`, or demo-user; `login_hint=deny` denies) and consent
        are automatic on this server. Returns the full callback URL (with `code`,
        `state`, `iss` or `error`). Pass a `session` to keep SSO cookies across calls.
        """
        s = session or requests.Session()
        url = authorization_url
        if url.startswith(redirect_uri):
            return url
        visited: list[str] = []
        for _ in range(max_hops):
            resp = s.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT, verify=self.verify)
            visited.append(f"{resp.status_code} {url}")
            if resp.status_code not in _REDIRECT_CODES:
                raise AssertionError(
                    f"authorization did not reach {redirect_uri}: HTTP {resp.status_code} at {url}: "
                    f"{resp.text[:500]}\nhops:\n  " + "\n  ".join(visited)
                )
            url = urljoin(url, resp.headers["Location"])
            if url.startswith(redirect_uri):
                return url
        raise AssertionError(
            f"authorization did not reach {redirect_uri} in {max_hops} hops:\n  " + "\n  ".join(visited)
        )

    def approve_device(
        self,
        verification_uri_complete: str,
        user_code: str | None = None,
        session: requests.Session | None = None,
        max_hops: int = MAX_HOPS,
    ) -> None:
        """Play the user of the device flow: open the verification URI, confirm the user code.

        `user_code` defaults to the one in `verification_uri_complete`; pass it when
        giving the plain `verification_uri`. Login and consent are automatic.
        """
        s = session or requests.Session()
        if user_code is None:
            user_code = parse_qs(urlsplit(verification_uri_complete).query).get("user_code", [None])[0]
            if user_code is None:
                raise ValueError("no user_code given and none in the verification URI")
        page = s.get(verification_uri_complete, timeout=HTTP_TIMEOUT, verify=self.verify)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        if page.status_code != 200 or xsrf is None or action is None:
            raise AssertionError(
                f"no device form at {verification_uri_complete}: HTTP {page.status_code}: {page.text[:500]}"
            )
        url = urljoin(page.url, action.group(1))
        resp = s.post(
            url,
            data={"xsrf": xsrf.group(1), "user_code": user_code, "confirm": "yes"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
            verify=self.verify,
        )
        visited = [f"{resp.status_code} POST {url}"]
        for _ in range(max_hops):
            if resp.status_code not in _REDIRECT_CODES:
                break
            url = urljoin(url, resp.headers["Location"])
            resp = s.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT, verify=self.verify)
            visited.append(f"{resp.status_code} {url}")
        if resp.status_code != 200 or "Sign-in Success" not in resp.text:
            raise AssertionError(
                f"device approval failed: HTTP {resp.status_code} at {url}: {resp.text[:500]}\nhops:\n  "
                + "\n  ".join(visited)
            )

    def end_session(
        self,
        end_session_url: str,
        post_logout_redirect_uri: str | None = None,
        session: requests.Session | None = None,
        max_hops: int = MAX_HOPS,
    ) -> str:
        """Play the user agent of an RP-initiated logout: open the URL, confirm the logout form.

        `end_session_url` is the `end_session_endpoint` with its query (`id_token_hint`, `client_id`,
        `post_logout_redirect_uri`, `state`...). Pass the `session` that logged in (its cookies carry the
        session to end). Returns the URL the server finally sends the browser to: the
        `post_logout_redirect_uri` (with `state`) when given, else the server's own success page.
        """
        s = session or requests.Session()
        page = s.get(end_session_url, allow_redirects=False, timeout=HTTP_TIMEOUT, verify=self.verify)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        if page.status_code != 200 or xsrf is None or action is None:
            raise AssertionError(f"no logout form at {end_session_url}: HTTP {page.status_code}: {page.text[:500]}")
        url = urljoin(page.url, action.group(1))
        resp = s.post(
            url,
            data={"xsrf": xsrf.group(1), "logout": "yes"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
            verify=self.verify,
        )
        visited = [f"{resp.status_code} POST {url}"]
        for _ in range(max_hops):
            if resp.status_code not in _REDIRECT_CODES:
                break
            url = urljoin(url, resp.headers["Location"])
            if post_logout_redirect_uri is not None and url.startswith(post_logout_redirect_uri):
                return url
            resp = s.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT, verify=self.verify)
            visited.append(f"{resp.status_code} {url}")
        if post_logout_redirect_uri is None and resp.status_code == 200:
            return url
        raise AssertionError(
            f"logout did not reach {post_logout_redirect_uri or 'the success page'}: HTTP {resp.status_code} at "
            f"{url}: {resp.text[:500]}\nhops:\n  " + "\n  ".join(visited)
        )
