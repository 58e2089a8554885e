"""The `ro2c` command-line tool against the real server: every subcommand, every client authentication method.

Most tests run the CLI in this process (`main([...])`, output read with `capsys`); `login` opens "the browser"
through `webbrowser.open`, patched here to play the user at the automatic server. The device flow and the
`--no-browser` login run `python -m requests_oauth2client` in a subprocess, reading its stderr as a user would;
the last test does that login in headless Chromium, through the interactive server's login and consent pages.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from jwskate import Jwk

from requests_oauth2client._cli import main
from tests.integration.harness import REPO_ROOT, Harness, free_port
from tests.integration.native_app import AutomaticUser, browse, redirect_uri_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ro2c(as_server: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `ro2c COMMAND [--issuer <the server>] --testing ARGS...` here: (exit status, stdout, stderr)."""
    for name in ("RO2C_ISSUER", "RO2C_CLIENT_ID", "RO2C_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)

    def run(command: str, *args: str, issuer: str | None = as_server.issuer) -> tuple[int, str, str]:
        capsys.readouterr()
        argv = [command, *(["--issuer", issuer] if issuer else []), "--testing", *args]
        status = main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def browser_user(as_server: Harness, monkeypatch: pytest.MonkeyPatch) -> AutomaticUser:
    """`webbrowser.open` plays the user at the automatic server."""
    user = AutomaticUser(as_server)

    def open_url(url: str, *args: object, **kwargs: object) -> bool:
        user(url)
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return user


def secret_env(monkeypatch: pytest.MonkeyPatch, harness: Harness, client_id: str) -> None:
    monkeypatch.setenv("RO2C_CLIENT_SECRET", harness.client_secret(client_id))


@pytest.fixture
def user_token(ro2c: Run, browser_user: AutomaticUser, tmp_path: Path) -> Path:
    """A file with the token of a user logged in with `ro2c login` (client-public, openid profile email)."""
    path = tmp_path / "user-token"
    status, _, err = ro2c(
        "login", "--client-id", "client-public", "--scope", "openid profile email", "--save-token", str(path)
    )
    assert status == 0, err
    return path


@pytest.fixture
def service_token(ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A file with a client credentials token of client-basic."""
    secret_env(monkeypatch, as_server, "client-basic")
    path = tmp_path / "service-token"
    status, _, err = ro2c("client_credentials", "--client-id", "client-basic", "--save-token", str(path))
    assert status == 0, err
    return path


def introspect(ro2c: Run, token_file: Path) -> dict[str, Any]:
    status, out, err = ro2c("introspect", "--client-id", "client-basic", "--token-file", str(token_file), "--json")
    assert status == 0, err
    return dict(json.loads(out))


# ------------------------------------------------------------------------------------------------ discover


def test_discover(ro2c: Run, as_server: Harness) -> None:
    status, out, err = ro2c("discover", "--json")
    assert status == 0, err
    assert json.loads(out) == as_server.discovery()

    status, out, _ = ro2c("discover", "--discovery-url", as_server.discovery_url, issuer=None)
    assert status == 0
    lines = [line.split() for line in out.splitlines()]
    assert ["issuer", as_server.issuer] in lines
    assert ["token_endpoint", as_server.endpoint("token_endpoint")] in lines


def test_discover_refuses_a_document_for_another_issuer(ro2c: Run, as_server: Harness) -> None:
    status, out, err = ro2c(
        "discover", "--discovery-url", as_server.discovery_url, "--issuer", "http://127.0.0.1:1/other", issuer=None
    )
    assert status == 1
    assert out == ""
    assert err.startswith("ro2c discover: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


# -------------------------------------------------------------------------------------- client credentials


def test_client_credentials_with_client_secret_basic_from_the_environment(
    ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_env(monkeypatch, as_server, "client-basic")
    status, out, err = ro2c("client_credentials", "--client-id", "client-basic", "--scope", "api:read")
    assert status == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["token_type"] == "Bearer"
    assert lines["access_token"].startswith("<hidden: ")
    assert lines["scope"] == "api:read"
    assert as_server.client_secret("client-basic") not in out + err


def test_client_credentials_with_client_secret_post_from_stdin(
    ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    read, write = os.pipe()
    os.write(write, (as_server.client_secret("client-post") + "\n").encode())
    os.close(write)
    with os.fdopen(read) as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        status, out, err = ro2c(
            "client_credentials", "--client-id", "client-post", "--auth-method", "client_secret_post",
            "--client-secret-stdin", "--json", "--show-secrets",
        )  # fmt: skip
    assert status == 0, err
    token = json.loads(out)
    assert token["token_type"] == "Bearer"
    assert len(token["access_token"]) > 20


def test_client_credentials_with_client_secret_jwt(
    ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SECRET", as_server.client_secret("client-secret-jwt"))
    status, _, err = ro2c(
        "client_credentials", "--client-id", "client-secret-jwt", "--auth-method", "client_secret_jwt",
        "--client-secret-env", "MY_SECRET",
    )  # fmt: skip
    assert status == 0, err


def test_client_credentials_with_private_key_jwt(ro2c: Run, as_server: Harness, tmp_path: Path) -> None:
    jwk = Jwk(as_server.private_jwk("ES256"))
    key_file = tmp_path / "key.jwk"
    key_file.write_text(json.dumps(dict(jwk)))
    status, _, err = ro2c("client_credentials", "--client-id", "client-private-key-jwt", "--private-key", str(key_file))
    assert status == 0, err


def test_client_credentials_with_private_key_jwt_and_a_pem_key(ro2c: Run, as_server: Harness, tmp_path: Path) -> None:
    jwk = Jwk(as_server.private_jwk("ES256"))
    key_file = tmp_path / "key.pem"
    key_file.write_text(jwk.to_pem())  # a PEM has no kid, and this server knows the key by its registered kid
    args = ["client_credentials", "--client-id", "client-private-key-jwt", "--private-key", str(key_file)]

    status, _, err = ro2c(*args)  # the thumbprint as kid: unknown there
    assert status == 1
    assert "error `invalid_client`" in err

    status, _, err = ro2c(*args, "--private-key-kid", jwk.kid, "--private-key-alg", "ES256")
    assert status == 0, err


def test_client_credentials_errors_are_one_typed_line(
    ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RO2C_CLIENT_SECRET", "not-the-secret")
    status, out, err = ro2c("client_credentials", "--client-id", "client-basic")
    assert status == 1
    assert out == ""
    assert err.startswith(
        f"ro2c client_credentials: error: InvalidClient: The token endpoint ({as_server.endpoint('token_endpoint')})"
        " answered HTTP 401, error `invalid_client`"
    )
    assert err.count("\n") == 1
    assert "not-the-secret" not in err

    status, _, err = ro2c("client_credentials", "--client-id", "client-basic", "--debug")
    assert status == 1
    assert "Traceback" in err


def test_client_credentials_with_dpop(ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_env(monkeypatch, as_server, "client-dpop")  # this client requires DPoP nonces: the library handles them
    status, out, err = ro2c("client_credentials", "--client-id", "client-dpop", "--dpop", "--json")
    assert status == 0, err
    token = json.loads(out)
    assert token["token_type"] == "DPoP"
    assert len(token["dpop_jkt"]) == 43


def test_print_access_token_gives_a_token_the_api_accepts(
    ro2c: Run, as_server: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    secret_env(monkeypatch, as_server, "client-basic")
    status, out, _ = ro2c("client_credentials", "--client-id", "client-basic", "--print-access-token")
    assert status == 0
    (access_token,) = out.splitlines()
    response = requests.get(as_server.resource_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    assert response.json()["client_id"] == "client-basic"


def test_save_token_writes_a_private_file(service_token: Path) -> None:
    assert stat.S_IMODE(service_token.stat().st_mode) == 0o600


# ------------------------------------------------------------------------------- introspect and revoke


def test_introspect_and_revoke(ro2c: Run, service_token: Path) -> None:
    info = introspect(ro2c, service_token)
    assert info["active"] is True
    assert info["client_id"] == "client-basic"

    status, out, err = ro2c("revoke", "--client-id", "client-basic", "--token-file", str(service_token), "--json")
    assert status == 0, err
    assert json.loads(out)["revoked"] is True

    assert introspect(ro2c, service_token) == {"active": False}


def test_introspect_a_token_from_stdin(ro2c: Run, service_token: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from requests_oauth2client import TokenSerializer

    access_token = TokenSerializer().loads(service_token.read_text().strip()).access_token
    read, write = os.pipe()
    os.write(write, access_token.encode() + b"\n")
    os.close(write)
    with os.fdopen(read) as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        status, out, err = ro2c("introspect", "--client-id", "client-basic", "-")
    assert status == 0, err
    assert "active     true" in out or "active  true" in out or out.splitlines()[0].split() == ["active", "true"]


# ----------------------------------------------------------------------------------- user logins


def test_login_then_userinfo_refresh_and_token_exchange(
    ro2c: Run, as_server: Harness, user_token: Path, browser_user: AutomaticUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert redirect_uri_of(browser_user.urls[0]).startswith("http://127.0.0.1:")
    assert "Login complete" in browser_user.pages[0][1]
    user = as_server.demo_user["username"]

    status, out, err = ro2c("userinfo", "--token-file", str(user_token), "--json")
    assert status == 0, err
    assert json.loads(out)["sub"] == user

    before = user_token.read_text()
    status, out, err = ro2c(
        "refresh", "--client-id", "client-public", "--token-file", str(user_token), "--save-token", str(user_token)
    )
    assert status == 0, err
    assert user_token.read_text() != before
    status, out, _ = ro2c("userinfo", "--token-file", str(user_token))
    assert f"sub                 {user}" in out or any(line.split() == ["sub", user] for line in out.splitlines())

    secret_env(monkeypatch, as_server, "client-basic")
    status, out, err = ro2c(
        "token_exchange", "--client-id", "client-basic", "--subject-token-file", str(user_token), "--json"
    )
    assert status == 0, err
    exchanged = json.loads(out)
    assert exchanged["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert exchanged["access_token"].startswith("<hidden")


def test_login_shows_the_validated_id_token_claims(ro2c: Run, as_server: Harness, browser_user: AutomaticUser) -> None:
    status, out, err = ro2c("login", "--client-id", "client-public", "--json", "--show-secrets")
    assert status == 0, err
    token = json.loads(out)
    assert token["id_token_claims"]["sub"] == as_server.demo_user["username"]
    assert token["id_token_claims"]["aud"] == "client-public"
    assert token["id_token"].count(".") == 2


def test_login_denied(ro2c: Run, browser_user: AutomaticUser) -> None:
    status, out, err = ro2c("login", "--client-id", "client-public", "--param", "login_hint=deny")
    assert status == 1
    assert out == ""
    assert "error: AuthorizationResponseError: " in err
    assert "access_denied" in err


def test_login_with_par_and_dpop(ro2c: Run, browser_user: AutomaticUser) -> None:
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    browser_user.redirect_uri = redirect_uri
    status, out, err = ro2c(
        "login", "--client-id", "client-public", "--par", "--dpop", "--redirect-uri", redirect_uri, "--json"
    )
    assert status == 0, err
    assert "request_uri=" in browser_user.urls[0]
    assert json.loads(out)["token_type"] == "DPoP"


# ----------------------------------------------------------------------------------------------- decode


@pytest.fixture
def id_token(ro2c: Run, browser_user: AutomaticUser) -> str:
    status, out, _ = ro2c("login", "--client-id", "client-public", "--json", "--show-secrets")
    assert status == 0
    return str(json.loads(out)["id_token"])


def test_decode_is_unverified_without_keys(ro2c: Run, as_server: Harness, id_token: str) -> None:
    status, out, _ = ro2c("decode", id_token, issuer=None)
    assert status == 0
    assert out.startswith("signature  UNVERIFIED")
    assert ["iss", as_server.issuer] in [line.split() for line in out.splitlines()]


def test_decode_verifies_with_the_as_keys(ro2c: Run, as_server: Harness, id_token: str, tmp_path: Path) -> None:
    status, out, err = ro2c("decode", id_token, "--json")  # --issuer: the AS keys
    assert status == 0, err
    decoded = json.loads(out)
    assert decoded["signature"].startswith("verified (RS256, key ")
    assert decoded["claims"]["sub"] == as_server.demo_user["username"]

    other_key = tmp_path / "other.jwk"
    other_key.write_text(json.dumps(dict(Jwk(as_server.private_jwk("RS256")).public_jwk())))
    status, out, _ = ro2c("decode", id_token, "--key", str(other_key), issuer=None)
    assert status == 1
    assert out.startswith("signature  INVALID")


# ------------------------------------------------------------------------------------------------ usage


def test_usage_errors(ro2c: Run, as_server: Harness) -> None:
    status, _, err = ro2c("client_credentials")
    assert (status, err) == (2, "ro2c client_credentials: error: --client-id is required (or set RO2C_CLIENT_ID)\n")

    status, _, err = ro2c("client_credentials", "--client-id", "client-basic", "--auth-method", "client_secret_post")
    assert status == 2
    assert "needs the client secret" in err

    token_endpoint = as_server.endpoint("token_endpoint")
    status, _, err = ro2c("introspect", "--token-endpoint", token_endpoint, "--client-id", "x", "tok", issuer=None)
    assert status == 2
    assert "give it with --introspection-endpoint" in err

    status, _, err = ro2c("userinfo", "--token-file", "/nonexistent/token")
    assert status == 2
    assert "cannot read the token file /nonexistent/token" in err


def test_an_unreachable_server_exits_with_3(ro2c: Run) -> None:
    status, out, err = ro2c("discover", issuer=f"http://127.0.0.1:{free_port()}")
    assert status == 3
    assert out == ""
    assert "cannot reach the authorization server" in err


# ----------------------------------------------------------------------------------- in a subprocess


def run_cli(*args: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RO2C_")}
    return subprocess.Popen(
        [sys.executable, "-m", "requests_oauth2client", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines_until(stream: Any, predicate: Callable[[str], bool], seen: list[str]) -> str:
    for line in iter(stream.readline, ""):
        seen.append(line)
        if predicate(line):
            return str(line)
    raise AssertionError("the CLI ended before printing the expected line:\n" + "".join(seen))


@pytest.fixture
def cli_processes() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_device_flow_with_live_status(as_server: Harness, cli_processes: list[subprocess.Popen[str]]) -> None:
    process = run_cli(
        "device", "--issuer", as_server.issuer, "--testing", "--client-id", "client-public", "--scope", "openid",
        "--json",
    )  # fmt: skip
    cli_processes.append(process)
    assert process.stderr is not None
    seen: list[str] = []
    instructions = lines_until(process.stderr, lambda line: line.startswith("To log in, open "), seen)
    user_code = instructions.rsplit(" ", 1)[1].strip()
    complete = lines_until(process.stderr, lambda line: line.startswith("(or open "), seen)
    lines_until(process.stderr, lambda line: line.startswith("Waiting for approval: 0 polls"), seen)

    as_server.approve_device(complete[len("(or open ") : -2], user_code)

    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + err
    assert "Approved." in err
    assert json.loads(out)["id_token_claims"]["sub"] == as_server.demo_user["username"]


def test_login_no_browser_prints_the_url(as_server: Harness, cli_processes: list[subprocess.Popen[str]]) -> None:
    process = run_cli(
        "login", "--issuer", as_server.issuer, "--testing", "--client-id", "client-public", "--no-browser", "--json"
    )
    cli_processes.append(process)
    assert process.stderr is not None
    seen: list[str] = []
    url = lines_until(process.stderr, lambda line: line.strip().startswith(as_server.issuer), seen).strip()

    callback = as_server.authorize(url, redirect_uri_of(url))
    status, page = browse(callback)  # the browser brings the code to the CLI's listener

    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + err
    assert status == 200
    assert "Login complete" in page
    assert json.loads(out)["id_token_claims"]["sub"] == as_server.demo_user["username"]


def test_login_in_chromium(
    interactive_as_server: Harness, browser_page: Page, cli_processes: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.integration.browser import log_in

    harness = interactive_as_server
    token_file = tmp_path / "token"
    process = run_cli(
        "login", "--issuer", harness.issuer, "--testing", "--client-id", "client-public", "--scope", "openid email",
        "--no-browser", "--save-token", str(token_file),
    )  # fmt: skip
    cli_processes.append(process)
    assert process.stderr is not None
    seen: list[str] = []
    url = lines_until(process.stderr, lambda line: line.strip().startswith(harness.issuer), seen).strip()

    browser_page.goto(url)
    log_in(browser_page, harness, redirect_uri=redirect_uri_of(url), client_id="client-public", scopes=["email"])

    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + err
    expect(browser_page.locator("h1")).to_have_text("Login complete")
    fields = {parts[0]: parts[1] for parts in (line.split(None, 1) for line in out.splitlines()) if len(parts) == 2}
    assert fields["token_type"] == "Bearer"
    assert fields["access_token"].startswith("<hidden: ")
    assert fields["sub"] == harness.demo_user["username"]  # from the ID Token claims
    assert f"Token saved to {token_file}" in err
    status, userinfo, _ = ro2c_userinfo(harness, token_file)
    assert status == 0
    assert json.loads(userinfo)["email"] == f"{harness.demo_user['username']}@example.test"


def ro2c_userinfo(harness: Harness, token_file: Path) -> tuple[int, str, str]:
    process = run_cli("userinfo", "--issuer", harness.issuer, "--testing", "--token-file", str(token_file), "--json")
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err
