"""`ro2c`: argument parsing, help, output (text, JSON, hidden secrets), inputs (secrets, keys, token files), decode,
and the exit status of each kind of error, with mocked HTTP. Every subcommand runs against the real server in
tests/integration/test_cli.py."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import requests_mock
from jwskate import Jwk, Jwt

from requests_oauth2client import (
    BearerToken,
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    DPoPKey,
    PrivateKeyJwt,
    PublicApp,
)
from requests_oauth2client._cli import main
from requests_oauth2client._cli.decode import verifying_key
from requests_oauth2client._cli.inputs import (
    Inputs,
    UsageError,
    load_keys,
    load_token,
    private_key,
    save_token,
)
from requests_oauth2client._cli.main import COMMANDS, describe
from requests_oauth2client._cli.output import Output, StatusLine, describe_timestamp, hidden, text_lines
from requests_oauth2client._cli.parser import build_parser

TOKEN_ENDPOINT = "https://as.example.com/token"
COMMAND_NAMES = [
    "client_credentials",
    "login",
    "device",
    "refresh",
    "token_exchange",
    "introspect",
    "revoke",
    "userinfo",
    "discover",
    "decode",
]


@pytest.fixture(autouse=True)
def _no_ro2c_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RO2C_ISSUER", "RO2C_CLIENT_ID", "RO2C_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def parse(*argv: str) -> Inputs:
    return Inputs(build_parser().parse_args(list(argv)))


def set_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


# ------------------------------------------------------------------------------------------------ the parser


def test_main_help_lists_every_command_and_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for name in COMMAND_NAMES:
        assert f"    {name}" in out
    assert "exit status:" in out
    assert "3  the AS could not be reached" in out
    assert "--show-secrets" in out
    assert set(COMMANDS) == set(COMMAND_NAMES)


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_each_command_has_its_help_with_an_example(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert out.startswith(f"usage: ro2c {command} ")
    assert "example:\n  " in out
    assert f"ro2c {command} " in out.split("example:")[1]
    assert "--json" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from requests_oauth2client import __version__

    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert __version__ in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["unknown"],
        ["client_credentials", "--param", "no-equal-sign"],
        ["login", "--timeout", "0"],
        ["introspect", "--token-type-hint", "id_token"],
    ],
)
def test_invalid_command_lines_exit_with_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert "usage: ro2c" in err


def test_params_and_repeated_resources() -> None:
    args = build_parser().parse_args(
        ["client_credentials", "--param", "a=1", "--param", "b=x=y", "--resource", "r1", "--resource", "r2"]
    )
    assert args.param == [("a", "1"), ("b", "x=y")]
    assert args.resource == ["r1", "r2"]


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RO2C_ISSUER", "https://as.example.com")
    monkeypatch.setenv("RO2C_CLIENT_ID", "my-app")
    args = build_parser().parse_args(["client_credentials"])
    assert (args.issuer, args.client_id) == ("https://as.example.com", "my-app")


# ----------------------------------------------------------------------------------------------- the client


@pytest.mark.parametrize(
    ("argv", "auth_class"),
    [
        (["--client-id", "app"], PublicApp),
        (["--client-id", "app", "--client-secret", "s"], ClientSecretBasic),
        (["--client-id", "app", "--client-secret", "s", "--auth-method", "client_secret_post"], ClientSecretPost),
        (["--client-id", "app", "--client-secret", "s", "--auth-method", "client_secret_jwt"], ClientSecretJwt),
        (["--client-id", "app", "--client-secret", "s", "--auth-method", "none"], PublicApp),
    ],
)
def test_client_authentication_methods(argv: list[str], auth_class: type) -> None:
    client = parse("client_credentials", "--token-endpoint", TOKEN_ENDPOINT, *argv).client()
    assert type(client.auth) is auth_class
    assert client.client_id == "app"


def test_the_secret_comes_from_the_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RO2C_CLIENT_SECRET", "from-env")
    client = parse("client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app").client()
    assert isinstance(client.auth, ClientSecretBasic)
    assert client.client_secret == "from-env"


def test_the_secret_from_another_variable_or_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "from-my-var")
    base = ["client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app"]
    assert parse(*base, "--client-secret-env", "MY_SECRET").client().client_secret == "from-my-var"

    set_stdin(monkeypatch, "from-stdin\nignored\n")
    assert parse(*base, "--client-secret-stdin").client().client_secret == "from-stdin"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--client-secret-env", "UNSET_VARIABLE"], "the environment variable UNSET_VARIABLE is not set"),
        (["--auth-method", "client_secret_post"], "client_secret_post needs the client secret: set RO2C_CLIENT_SECRET"),
        (["--client-secret", "a", "--client-secret-env", "X"], "give the client secret one way"),
        (["--auth-method", "private_key_jwt"], "private_key_jwt needs the client's key"),
    ],
)
def test_missing_or_ambiguous_credentials(extra: list[str], message: str) -> None:
    inputs = parse("client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app", *extra)
    with pytest.raises(UsageError, match=message):
        inputs.client()


def test_no_authorization_server() -> None:
    with pytest.raises(UsageError, match=r"--issuer URL .* or --token-endpoint URL"):
        parse("client_credentials", "--client-id", "app").client()


def test_userinfo_needs_no_client_id() -> None:
    client = parse("userinfo", "--token-endpoint", TOKEN_ENDPOINT).client(client_id_required=False)
    assert isinstance(client.auth, PublicApp)


def test_stdin_gives_one_value_only(monkeypatch: pytest.MonkeyPatch) -> None:
    set_stdin(monkeypatch, "secret\n")
    inputs = parse("introspect", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app", "--client-secret-stdin", "-")
    inputs.client()
    with pytest.raises(UsageError, match="stdin is already used for the client secret"):
        inputs.token("-", None, "token")


def test_token_arguments() -> None:
    inputs = parse("introspect")
    assert inputs.token("abc", None, "token") == "abc"
    with pytest.raises(UsageError, match="give the token: as an argument, - to read it from stdin, or a file"):
        inputs.token(None, None, "token")
    with pytest.raises(UsageError, match="either as an argument or as a file"):
        inputs.token("abc", "file", "token")


# ---------------------------------------------------------------------------------------- keys and tokens


def test_keys_from_jwk_jwks_and_pem_files(tmp_path: Path) -> None:
    key = Jwk.generate(alg="ES256", kid="k1")
    (tmp_path / "k.jwk").write_text(json.dumps(dict(key)))
    (tmp_path / "k.jwks").write_text(json.dumps({"keys": [dict(key.public_jwk())]}))
    (tmp_path / "k.pem").write_text(key.to_pem())
    assert load_keys(str(tmp_path / "k.jwk")) == key
    assert load_keys(str(tmp_path / "k.jwks")).get_jwk_by_kid("k1") == key.public_jwk()  # type: ignore[union-attr]
    assert load_keys(str(tmp_path / "k.pem")).thumbprint() == key.thumbprint()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "content",
    [
        '{"kty": "oct", "k": "SECRET-MATERIAL"',
        "-----BEGIN PRIVATE KEY-----\nSECRET-MATERIAL\n-----END PRIVATE KEY-----",
    ],
)
def test_an_unusable_key_file_is_reported_without_its_content(tmp_path: Path, content: str) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    with pytest.raises(UsageError) as exc_info:
        load_keys(str(path))
    assert "is not a usable key" in str(exc_info.value)
    assert "SECRET-MATERIAL" not in str(exc_info.value)
    assert exc_info.value.__cause__ is None
    assert exc_info.value.__context__ is None or "SECRET-MATERIAL" not in str(exc_info.value.__context__)


def test_private_key_gets_an_alg_and_a_kid(tmp_path: Path) -> None:
    key = Jwk.generate(alg="ES256")
    pem = tmp_path / "k.pem"
    pem.write_text(key.to_pem())
    from_pem = private_key(str(pem), None)
    assert (from_pem.alg, from_pem["kid"]) == ("ES256", key.thumbprint())
    assert private_key(str(pem), None, "registered-kid")["kid"] == "registered-kid"
    client = parse(
        "client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app", "--private-key", str(pem)
    ).client()
    assert isinstance(client.auth, PrivateKeyJwt)


def test_private_key_refusals(tmp_path: Path) -> None:
    rsa, ec = Jwk.generate(alg="RS256", kid="a"), Jwk.generate(alg="ES256", kid="b")
    two = tmp_path / "two.jwks"
    two.write_text(json.dumps({"keys": [dict(rsa), dict(ec)]}))
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(dict(ec.public_jwk())))
    with pytest.raises(UsageError, match="holds 2 keys"):
        private_key(str(two), None)
    with pytest.raises(UsageError, match="is not an asymmetric private key"):
        private_key(str(public), None)
    ec_file = tmp_path / "ec.jwk"
    ec_file.write_text(json.dumps(dict(ec)))
    with pytest.raises(UsageError, match="cannot sign with RS256"):
        private_key(str(ec_file), "RS256")


def test_token_files_are_private_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("old")
    path.chmod(0o644)
    token = BearerToken("access", expires_in=60, refresh_token="refresh", scope="a b")
    save_token(str(path), token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(str(path)) == token

    path.write_text("not a token")
    with pytest.raises(UsageError, match="does not hold a token saved with --save-token"):
        load_token(str(path))


# ------------------------------------------------------------------------------------------------- output


def test_hidden_secrets_and_token_output() -> None:
    token = BearerToken("the-access-token", expires_in=60, refresh_token="the-refresh-token", scope="a", foo="bar")
    data = Output().token_data(token)
    assert data["access_token"] == hidden("the-access-token") == "<hidden: 16 characters; --show-secrets prints it>"
    assert data["refresh_token"] == hidden("the-refresh-token")
    assert data["scope"] == "a"
    assert data["foo"] == "bar"
    assert data["expires_in"] in (59, 60)
    shown = Output(show_secrets=True).token_data(token)
    assert (shown["access_token"], shown["refresh_token"]) == ("the-access-token", "the-refresh-token")


def test_dpop_tokens_show_their_key_thumbprint() -> None:
    key = DPoPKey.generate()
    token = key.dpop_token_class(access_token="at", token_type="DPoP", _dpop_key=key)
    assert Output().token_data(token)["dpop_jkt"] == key.dpop_jkt


def test_text_and_json_output() -> None:
    stdout = io.StringIO()
    data = {"active": True, "scope": "a b", "aud": ["x", "y"], "nested": {"k": 1}, "n": None}
    Output(stdout=stdout).result(data)
    assert stdout.getvalue().splitlines() == [
        "active  true",
        "scope   a b",
        "aud     x, y",
        "nested:",
        "  k  1",
        "n       null",
    ]
    stdout = io.StringIO()
    Output(json_output=True, stdout=stdout).result(data)
    assert json.loads(stdout.getvalue()) == data


def test_timestamps_are_explained_in_text() -> None:
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert describe_timestamp(1704070800, now) == "1704070800 (2024-01-01 01:00:00 UTC, in 1 h)"
    assert describe_timestamp(1704067140, now) == "1704067140 (2023-12-31 23:59:00 UTC, 1 min ago)"
    assert describe_timestamp("soon", now) == '"soon"'
    assert describe_timestamp(10**30, now) == str(10**30)
    assert text_lines({"exp": "x"}) == ['exp  "x"']


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_line() -> None:
    piped = io.StringIO()
    status = StatusLine(piped)
    status.show("waiting: 0 polls", key=1)
    status.show("waiting: 1 polls", key=1)  # same state: not repeated in a log
    status.show("slower: 2 polls", key=2)
    status.close("done")
    assert piped.getvalue() == "waiting: 0 polls\nslower: 2 polls\ndone\n"

    terminal = Terminal()
    status = StatusLine(terminal)
    status.show("waiting: 0 polls", key=1)
    status.show("waiting: 1 polls", key=1)
    status.close()
    assert terminal.getvalue() == "\r\x1b[Kwaiting: 0 polls\r\x1b[Kwaiting: 1 polls\r\x1b[K"


# ---------------------------------------------------------------------------------------- running commands


@pytest.fixture
def token_endpoint() -> Any:
    with requests_mock.Mocker() as mocker:
        yield mocker


def test_client_credentials_output_modes(
    capsys: pytest.CaptureFixture[str], token_endpoint: requests_mock.Mocker, tmp_path: Path
) -> None:
    token_endpoint.post(TOKEN_ENDPOINT, json={"access_token": "AT-123", "token_type": "Bearer", "expires_in": 60})
    base = ["client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app", "--client-secret", "s"]

    status, out, err = run(capsys, *base, "--scope", "a", "--resource", "https://r", "--param", "x=1")
    assert status == 0
    assert "AT-123" not in out + err
    form = token_endpoint.last_request.text
    assert "scope=a" in form
    assert "resource=https%3A%2F%2Fr" in form
    assert "x=1" in form

    status, out, _ = run(capsys, *base, "--print-access-token")
    assert out == "AT-123\n"

    status, out, _ = run(capsys, *base, "--json", "--show-secrets")
    assert json.loads(out)["access_token"] == "AT-123"

    path = tmp_path / "t"
    status, out, err = run(capsys, *base, "--save-token", str(path))
    assert f"Token saved to {path}" in err
    assert load_token(str(path)).access_token == "AT-123"


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        (
            {"status_code": 400, "json": {"error": "invalid_scope", "error_description": "no such\nscope"}},
            1,
            f"ro2c client_credentials: error: InvalidScope: The token endpoint ({TOKEN_ENDPOINT}) answered HTTP 400,"
            " error `invalid_scope`: no such scope\n",
        ),
        (
            {"status_code": 200, "text": "<html>"},
            1,
            f"ro2c client_credentials: error: InvalidTokenResponse: The token endpoint ({TOKEN_ENDPOINT}) answered"
            " HTTP 200: unusable token response: the body is an HTML page, not JSON Hint: check the endpoint URL",
        ),
        (
            {"exc": requests.ConnectionError("refused")},
            3,
            "ro2c client_credentials: error: cannot reach the authorization server: ConnectionError: refused\n",
        ),
        (
            {"exc": requests.Timeout("slow")},
            3,
            "ro2c client_credentials: error: cannot reach the authorization server: Timeout: slow\n",
        ),
    ],
)
def test_errors_exit_status_and_one_line(
    capsys: pytest.CaptureFixture[str],
    token_endpoint: requests_mock.Mocker,
    answer: dict[str, Any],
    status: int,
    message: str,
) -> None:
    token_endpoint.post(TOKEN_ENDPOINT, **answer)
    code, out, err = run(
        capsys, "client_credentials", "--token-endpoint", TOKEN_ENDPOINT, "--client-id", "app", "--client-secret", "s"
    )
    assert code == status
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_interrupted(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(COMMANDS, "discover", interrupted)
    status, _, err = run(capsys, "discover", "--issuer", "https://as.example.com")
    assert status == 130
    assert "interrupted" in err


def test_describe() -> None:
    assert describe(ValueError("what went wrong")) == "ValueError: what went wrong"
    assert describe(RuntimeError()) == "RuntimeError"


def test_an_error_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object) -> int:
        raise ValueError("two\n  lines")

    monkeypatch.setitem(COMMANDS, "discover", failing)
    assert run(capsys, "discover", "--issuer", "https://as.example.com")[2] == (
        "ro2c discover: error: ValueError: two lines\n"
    )


# --------------------------------------------------------------------------------------------------- decode


@pytest.fixture
def signing_key() -> Jwk:
    return Jwk.generate(alg="ES256", kid="sig")


@pytest.fixture
def jwt(signing_key: Jwk) -> str:
    return str(Jwt.sign({"sub": "jane", "exp": 4102444800}, signing_key))


def key_file(tmp_path: Path, key: Jwk | dict[str, Any]) -> str:
    path = tmp_path / f"key-{os.urandom(4).hex()}.json"
    path.write_text(json.dumps(dict(key)))
    return str(path)


def test_decode_without_keys_is_unverified(capsys: pytest.CaptureFixture[str], jwt: str) -> None:
    status, out, _ = run(capsys, "decode", jwt)
    assert status == 0
    assert out.splitlines()[0] == "signature  UNVERIFIED: no key was given, so anybody could have written this token"
    assert "  sub  jane" in out
    assert "  exp  4102444800 (2100-01-01 00:00:00 UTC, in " in out


def test_decode_from_stdin_as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, jwt: str
) -> None:
    set_stdin(monkeypatch, jwt + "\n")
    status, out, _ = run(capsys, "decode", "-", "--json")
    decoded = json.loads(out)
    assert status == 0
    assert decoded["header"] == {"alg": "ES256", "kid": "sig", "typ": "JWT"}
    assert decoded["claims"]["sub"] == "jane"


def test_decode_verifies_with_a_key_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, jwt: str, signing_key: Jwk
) -> None:
    status, out, _ = run(capsys, "decode", jwt, "--key", key_file(tmp_path, signing_key.public_jwk()))
    assert status == 0
    assert out.splitlines()[0] == "signature  verified (ES256, key sig)"

    other = Jwk.generate(alg="ES256", kid="sig")
    status, out, _ = run(capsys, "decode", jwt, "--key", key_file(tmp_path, other.public_jwk()))
    assert status == 1
    assert out.splitlines()[0].startswith("signature  INVALID")

    status, out, _ = run(capsys, "decode", jwt, "--key", key_file(tmp_path, signing_key), "--alg", "ES384")
    assert status == 1  # the expected alg is not the token's


def test_verifying_key_rules(signing_key: Jwk) -> None:
    from jwskate import JwkSet, SignedJwt

    token = Jwt.sign({"sub": "x"}, signing_key)
    assert isinstance(token, SignedJwt)
    keys = JwkSet(keys=[Jwk.generate(alg="ES256", kid="other").public_jwk(), signing_key.public_jwk()])
    assert verifying_key(token, keys, None) == signing_key.public_jwk()  # picked by kid
    assert verifying_key(token, JwkSet(keys=[Jwk.generate(alg="ES256", kid="other")]), None) is None  # unknown kid
    no_kid = Jwt.sign({"sub": "x"}, Jwk({k: v for k, v in signing_key.items() if k != "kid"}))
    assert isinstance(no_kid, SignedJwt)
    assert verifying_key(no_kid, keys, None) == signing_key.public_jwk()  # every key tried
    unsigned = Jwt.unprotected({"sub": "x"})
    assert verifying_key(unsigned, keys, None) is None  # alg none never verifies
    hmac_token = Jwt.sign({"sub": "x"}, Jwk.generate(alg="HS256"))
    assert isinstance(hmac_token, SignedJwt)
    assert verifying_key(hmac_token, signing_key.public_jwk(), None) is None


def test_decode_an_encrypted_jwt_shows_its_header(capsys: pytest.CaptureFixture[str], jwt: str) -> None:
    encryption_key = Jwk.generate(alg="ECDH-ES+A128KW", crv="P-256").public_jwk()
    jwe = str(Jwt.sign_and_encrypt({"sub": "x"}, Jwk.generate(alg="ES256"), encryption_key, enc="A128GCM"))
    status, out, _ = run(capsys, "decode", jwe, "--json")
    assert status == 0
    decoded = json.loads(out)
    assert decoded["header"]["enc"] == "A128GCM"
    assert "claims" not in decoded


@pytest.mark.parametrize("value", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.bm90IGpzb24.x"])
def test_decode_something_else_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    status, out, err = run(capsys, "decode", value)
    assert status == 2
    assert out == ""
    assert "this is not a JWT" in err


def test_decode_keys_given_once(capsys: pytest.CaptureFixture[str], jwt: str, tmp_path: Path, signing_key: Jwk) -> None:
    status, _, err = run(capsys, "decode", jwt, "--key", key_file(tmp_path, signing_key), "--jwks-uri", "https://x/j")
    assert status == 2
    assert "give the verification keys in one way" in err


def test_the_cli_uses_only_the_public_api() -> None:
    import ast

    package = Path(__file__).resolve().parents[2] / "requests_oauth2client" / "_cli"
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module == "requests_oauth2client" or not node.module.startswith("requests_oauth2client"), (
                    f"{module.name} imports {node.module}: the CLI uses the package root only"
                )


def test_the_console_script_and_python_dash_m() -> None:
    import subprocess
    import sys
    from importlib import metadata

    (script,) = [entry for entry in metadata.entry_points(group="console_scripts") if entry.name == "ro2c"]
    assert script.value == "requests_oauth2client._cli:main"
    result = subprocess.run(
        [sys.executable, "-m", "requests_oauth2client", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("ro2c (requests_oauth2client ")
