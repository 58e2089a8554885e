"""The types a type checker sees: checked by running `mypy --strict` on code that states them with `assert_type`."""

from __future__ import annotations

import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
from typing import Any

import requests
from jwskate import JweCompact
from typing_extensions import assert_type

from requests_oauth2client import (
    ApiClient,
    AuthorizationResponse,
    BearerToken,
    DPoPToken,
    IdToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
)

client = OAuth2Client("https://as.example.com/token", client_id="c", client_secret="s")
azr: AuthorizationResponse = ...  # type: ignore[assignment]

# grants that validate the ID Token (the default) say so; the README's code type-checks
token = client.authorization_code(azr)
assert_type(token, BearerToken[IdToken | None])
assert token.id_token is not None
token.id_token.subject  # an IdToken: its claims are there
assert_type(client.client_credentials().id_token, IdToken | None)
assert_type(client.refresh_token("rt").id_token, IdToken | None)
assert_type(client.device_code("dc").id_token, IdToken | None)
assert_type(client.ciba("id").id_token, IdToken | None)
assert_type(client.token_exchange(subject_token="t", subject_token_type="jwt").id_token, IdToken | None)
assert_type(client.jwt_bearer("a.b.c").id_token, IdToken | None)
assert_type(client.resource_owner_password("u", "p").id_token, IdToken | None)
assert_type(client.token_request({"grant_type": "x"}).id_token, IdToken | None)
assert_type(client.login_with_browser().id_token, IdToken | None)

# without validation, the ID Token may still be encrypted
unchecked = client.authorization_code(azr, validate=False)
assert_type(unchecked, BearerToken)
assert_type(unchecked.id_token, IdToken | JweCompact | None)
flag: bool = bool(...)
assert_type(client.client_credentials(validate=flag).id_token, IdToken | JweCompact | None)
if isinstance(unchecked.id_token, JweCompact):  # code that handles an encrypted one
    assert_type(unchecked.id_token, JweCompact)

# a bare BearerToken is the broad one, and every token is one
assert_type(BearerToken("at").id_token, IdToken | JweCompact | None)
broad: BearerToken = token
dpop_token: DPoPToken = ...  # type: ignore[assignment]
also_broad: BearerToken = dpop_token

# ApiClient keeps the type of its auth handler, in its sub-clients too
auth = OAuth2ClientCredentialsAuth(client, scope="x")
api = ApiClient("https://api.example.com/", auth=auth)
assert_type(api.auth, OAuth2ClientCredentialsAuth)
assert_type(api.users.auth, OAuth2ClientCredentialsAuth)
assert_type(api["users"][1].auth, OAuth2ClientCredentialsAuth)
with ApiClient("https://api.example.com/", auth=OAuth2AccessTokenAuth(client, token)) as other:
    assert_type(other.auth, OAuth2AccessTokenAuth)
any_api: ApiClient = api
assert_type(ApiClient("https://api.example.com/").auth, requests.auth.AuthBase | tuple[str, str] | None)

# UserInfo and introspection
assert_type(client.userinfo(token), dict[str, Any])
assert_type(client.introspect_token("t"), dict[str, Any] | str)
"""


def test_the_public_types(tmp_path: Path) -> None:
    from mypy import api

    program = tmp_path / "types_program.py"
    program.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(REPO_ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(REPO_ROOT / ".mypy_cache" / "doc-examples"),
            str(program),
        ]
    )
    assert status == 0, stdout + stderr
