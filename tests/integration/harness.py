"""Start, stop and drive the loopback authorization server in `tests/server/`.

This module only uses the standard library and `requests`, never the library
under test, so the test harness stays independent of it. It is used by the
integration test fixtures (`conftest.py`) and by the demo (`demo/run.py`).

    server = start_server(state_dir)
    try:
        harness = Harness.from_server(server)
        ...
    finally:
        stop_server(server)
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

if TYPE_CHECKING:
    from tests.integration.pki import TestPki

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "tests" / "server"
# Server keys (generating 2 RSA keys costs ~0.5 s) are cached here across runs
# and copied into each new state directory. The directory is git-ignored.
KEYS_CACHE = SERVER_DIR / "state" / "keys.json"

READY_TIMEOUT = 30.0
NPM_CI_TIMEOUT = 300.0
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0
MAX_HOPS = 20

_REDIRECT_CODES = (301, 302, 303, 307, 308)


class ServerStartError(RuntimeError):
    """The authorization server could not be installed or started."""


@dataclass
class RunningServer:
    """A `node server.mjs` process started by `start_server()`."""

    proc: subprocess.Popen[bytes]
    port: int
    issuer: str
    state_dir: Path
    contract_path: Path
    ready: dict[str, Any]
    startup_seconds: float
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        """The server's stderr so far (for failure messages)."""
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""


# Servers still running, stopped by an atexit hook if nobody else did.
_RUNNING: dict[int, RunningServer] = {}


def _stop_all_at_exit() -> None:
    for server in list(_RUNNING.values()):
        stop_server(server)


atexit.register(_stop_all_at_exit)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Return True if nothing listens on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) != 0


def pid_exists(pid: int) -> bool:
    """Return True if a process with this pid exists (zombies excluded where visible)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def ensure_node_modules(server_dir: Path = SERVER_DIR, timeout: float = NPM_CI_TIMEOUT) -> None:
    """Run `npm ci` in `server_dir` if its node_modules is missing."""
    if (server_dir / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ServerStartError("npm is not installed; Node.js >= 20.18 with npm is needed for the test server")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=server_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerStartError(f"npm ci in {server_dir} took more than {timeout:.0f} s") from exc
    if result.returncode != 0:
        raise ServerStartError(f"npm ci in {server_dir} failed ({result.returncode}):\n{result.stderr}")


def start_server(
    state_dir: Path,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    server_dir: Path = SERVER_DIR,
    ready_timeout: float = READY_TIMEOUT,
    keys_cache: Path | None = KEYS_CACHE,
) -> RunningServer:
    """Start `node server.mjs` on 127.0.0.1 and wait for its `READY {json}` line.

    Args:
        state_dir: directory for the server's keys, contract file and logs.
        port: TCP port; a free one is picked if None (retried on a port race).
        env: extra environment variables for the server (see server.mjs).
        server_dir: directory holding server.mjs and package.json.
        ready_timeout: seconds to wait for the READY line.
        keys_cache: a `keys.json` reused for a fresh state directory (and written
            after the first start); None to always generate new keys.

    Raises:
        ServerStartError: with the server's stderr, if it does not come up.
    """
    ensure_node_modules(server_dir)
    node = shutil.which("node")
    if node is None:
        raise ServerStartError("node is not installed; Node.js >= 20.18 is needed for the test server")
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    keys = state_dir / "keys.json"
    # a cache older than server.mjs may lack keys a newer server expects
    cache_ok = (
        keys_cache is not None
        and keys_cache.is_file()
        and keys_cache.stat().st_mtime >= (server_dir / "server.mjs").stat().st_mtime
    )
    if cache_ok and keys_cache is not None and not keys.exists():
        shutil.copyfile(keys_cache, keys)
    attempts = 1 if port is not None else 3
    last_error: ServerStartError | None = None
    for attempt in range(attempts):
        try:
            server = _start_once(
                node=node,
                state_dir=state_dir,
                port=port or free_port(),
                env=env,
                server_dir=server_dir,
                ready_timeout=ready_timeout,
                attempt=attempt,
            )
        except ServerStartError as exc:
            last_error = exc
            if "EADDRINUSE" not in str(exc):
                raise
        else:
            if keys_cache is not None and not cache_ok:
                _save_keys(keys, keys_cache)
            return server
    assert last_error is not None
    raise last_error


def _save_keys(keys: Path, cache: Path) -> None:
    """Copy keys.json to the cache atomically (parallel runs may race)."""
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        shutil.copyfile(keys, tmp)
        tmp.chmod(0o600)
        os.replace(tmp, cache)


def _start_once(
    *,
    node: str,
    state_dir: Path,
    port: int,
    env: dict[str, str] | None,
    server_dir: Path,
    ready_timeout: float,
    attempt: int,
) -> RunningServer:
    stdout_path = state_dir / f"server-{port}-{attempt}.out"
    stderr_path = state_dir / f"server-{port}-{attempt}.err"
    full_env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "HARNESS_STATE_DIR": str(state_dir),
        "HARNESS_EXIT_ON_STDIN_EOF": "1",
        **(env or {}),
    }
    full_env.pop("ISSUER", None)
    t0 = time.perf_counter()
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            [node, "server.mjs"],
            cwd=server_dir,
            env=full_env,
            stdin=subprocess.PIPE,  # closed by the OS if this process dies: the server then exits
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group: stopped as a whole, no terminal signals
        )
    server: RunningServer | None = None
    deadline = t0 + ready_timeout
    try:
        while True:
            text = stdout_path.read_text(errors="replace")
            line = next((ln for ln in text.splitlines() if ln.startswith("READY ")), None)
            if line is not None:
                ready = json.loads(line[len("READY ") :])
                server = RunningServer(
                    proc=proc,
                    port=port,
                    issuer=ready["issuer"],
                    state_dir=state_dir,
                    contract_path=Path(ready["contract"]),
                    ready=ready,
                    startup_seconds=time.perf_counter() - t0,
                    stdout_path=stdout_path,
                    stderr_path=stderr_path,
                )
                _RUNNING[proc.pid] = server
                return server
            if proc.poll() is not None:
                raise ServerStartError(
                    f"authorization server exited with code {proc.returncode} before READY:\n"
                    f"{stderr_path.read_text(errors='replace')}"
                )
            if time.perf_counter() > deadline:
                raise ServerStartError(
                    f"authorization server not READY after {ready_timeout:.0f} s; stderr:\n"
                    f"{stderr_path.read_text(errors='replace')}"
                )
            time.sleep(0.01)
    finally:
        if server is None:
            _terminate(proc)


def _terminate(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group, wait, then SIGKILL it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
    else:
        # the leader is gone; make sure nothing else in its group survives
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def stop_server(server: RunningServer, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a server started by `start_server()` (idempotent)."""
    try:
        _terminate(server.proc, timeout)
    finally:
        _RUNNING.pop(server.proc.pid, None)


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


def new_state_dir(base: Path) -> Path:
    """A fresh, uniquely named state directory under `base`."""
    path = Path(base) / f"as-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    return path
