"""What `ro2c` reads: the client configuration, the client secret, key files, tokens (arguments, stdin, files).

Everything wrong with those inputs raises `UsageError` (exit status 2), with a message that never contains the
secret or key it is about.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from jwskate import Jwk, JwkSet

from requests_oauth2client import (
    BearerToken,
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    OAuth2Client,
    PublicApp,
    TokenSerializer,
)

from .parser import CLIENT_SECRET_ENV, ENDPOINTS

# Commands that send no client authentication (userinfo, discover) still build an `OAuth2Client`, which needs a
# client_id; this one is never sent anywhere that matters.
PLACEHOLDER_CLIENT_ID = "ro2c"


class UsageError(Exception):
    """A problem with the command line or the files it names (exit status 2)."""


class Inputs:
    """The parsed arguments of one run, and the one-time reading of stdin.

    Args:
        args: the parsed command line.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._stdin_read_for: str | None = None

    def read_stdin(self, what: str) -> str:
        """Read a value (the first line, without surrounding blanks) from stdin; stdin can be read only once."""
        if self._stdin_read_for is not None:
            raise UsageError(f"stdin is already used for the {self._stdin_read_for}; it cannot also give the {what}")
        self._stdin_read_for = what
        if sys.stdin.isatty():
            value = getpass.getpass(f"{what[0].upper()}{what[1:]}: ", stream=sys.stderr)
        else:
            value = sys.stdin.readline()
        value = value.strip()
        if not value:
            raise UsageError(f"no {what} on stdin")
        return value

    # ------------------------------------------------------------------------------------------ the client

    def client(self, *, client_id_required: bool = True) -> OAuth2Client:
        """Build the `OAuth2Client`: from discovery with --issuer or --discovery-url, else from the endpoints.

        Raises:
            UsageError: when the AS or the client credentials are not fully given.
        """
        args = self.args
        settings: dict[str, Any] = {name: getattr(args, name) for name in ENDPOINTS if getattr(args, name, None)}
        settings.update(self._client_credentials(required=client_id_required), testing=args.testing)
        if args.issuer or args.discovery_url:
            return OAuth2Client.from_discovery_endpoint(url=args.discovery_url, issuer=args.issuer, **settings)
        token_endpoint = settings.pop("token_endpoint", None)
        if token_endpoint is None:
            raise UsageError("name the authorization server: --issuer URL (discovery) or --token-endpoint URL")
        return OAuth2Client(token_endpoint, **settings)

    def _client_credentials(self, *, required: bool) -> dict[str, Any]:
        """The client authentication arguments of `OAuth2Client`."""
        args = self.args
        client_id = args.client_id
        if not client_id:
            if required:
                raise UsageError("--client-id is required (or set RO2C_CLIENT_ID)")
            return {"auth": PublicApp(PLACEHOLDER_CLIENT_ID)}
        method = args.auth_method
        if method is None:
            if args.private_key:
                method = "private_key_jwt"
            elif args.client_secret or args.client_secret_stdin or args.client_secret_env or _default_secret():
                method = "client_secret_basic"
            else:
                method = "none"
        if method == "none":
            return {"auth": PublicApp(client_id)}
        if method == "private_key_jwt":
            if not args.private_key:
                raise UsageError("private_key_jwt needs the client's key: --private-key FILE")
            # given as `private_key`, the key is used with the issuer as the assertion audience
            return {
                "client_id": client_id,
                "private_key": private_key(args.private_key, args.private_key_alg, args.private_key_kid),
            }
        secret_class = {
            "client_secret_basic": ClientSecretBasic,
            "client_secret_post": ClientSecretPost,
            "client_secret_jwt": ClientSecretJwt,
        }[method]
        return {"auth": secret_class(client_id, self._client_secret(method))}

    def _client_secret(self, method: str) -> str:
        args = self.args
        given = [args.client_secret_stdin, args.client_secret_env, args.client_secret]
        if sum(1 for source in given if source) > 1:
            raise UsageError(
                "give the client secret one way: --client-secret-stdin, --client-secret-env or --client-secret"
            )
        if args.client_secret_stdin:
            return self.read_stdin("client secret")
        if args.client_secret_env:
            secret = os.environ.get(args.client_secret_env)
            if not secret:
                raise UsageError(f"the environment variable {args.client_secret_env} is not set")
            return secret
        secret = args.client_secret or _default_secret()
        if not secret:
            raise UsageError(
                f"{method} needs the client secret: set {CLIENT_SECRET_ENV}, or use --client-secret-env NAME or"
                " --client-secret-stdin"
            )
        return str(secret)

    # ---------------------------------------------------------------------------------------------- tokens

    def token(self, value: str | None, path: str | None, what: str) -> BearerToken | str:
        """A token given as a value, `-` (stdin) or a file written by `--save-token`.

        Raises:
            UsageError: when none or both are given, or the file is not a saved token.
        """
        if path is not None:
            if value is not None:
                raise UsageError(f"give the {what} either as an argument or as a file, not both")
            return load_token(path)
        if value is None:
            raise UsageError(f"give the {what}: as an argument, - to read it from stdin, or a file (--token-file)")
        return self.read_stdin(what) if value == "-" else value


def _default_secret() -> str | None:
    return os.environ.get(CLIENT_SECRET_ENV) or None


def read_text(path: str, what: str) -> str:
    """The content of a file, or `UsageError`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None


def load_keys(path: str) -> Jwk | JwkSet:
    """Read a JWK (JSON), a JWK set (JSON) or a PEM key; the error never shows the file's content."""
    data = read_text(path, "key file")
    key: Jwk | JwkSet | None
    try:
        if "-----BEGIN" in data:
            key = Jwk.from_pem(data)
        else:
            document = json.loads(data)
            key = JwkSet(document) if isinstance(document, dict) and "keys" in document else Jwk(document)
    except Exception:  # jwskate's errors may carry key parameters: say what is wrong without them
        key = None
    if key is None:
        raise UsageError(f"{path} is not a usable key: expected a JWK or a JWK set (JSON), or an unencrypted PEM key")
    return key


def private_key(path: str, alg: str | None, kid: str | None = None) -> Jwk:
    """The private signing key for private_key_jwt, with an `alg` and a `kid`.

    The alg is `alg`, else the key's, else the first one its type supports. The kid is the key's, else `kid`, else
    its thumbprint (a PEM file has none).
    """
    key = load_keys(path)
    if isinstance(key, JwkSet):
        keys = key.jwks
        if len(keys) != 1:
            raise UsageError(f"{path} holds {len(keys)} keys: give a file with the one key to sign with")
        key = keys[0]
    if not key.is_private or key.is_symmetric:
        raise UsageError(f"{path} is not an asymmetric private key")
    alg = alg or key.alg or key.supported_signing_algorithms()[0]
    if alg not in key.supported_signing_algorithms():
        raise UsageError(f"the key in {path} cannot sign with {alg}")
    members = {**key.to_dict(), "alg": alg}
    if not members.get("kid"):  # (`key.kid` falls back to the thumbprint: look at the member itself)
        members["kid"] = kid or key.thumbprint()
    return Jwk(members)


def load_token(path: str) -> BearerToken:
    """A token saved by `--save-token`."""
    try:
        return TokenSerializer().loads(read_text(path, "token file").strip())
    except ValueError:
        raise UsageError(f"{path} does not hold a token saved with --save-token") from None


def save_token(path: str, token: BearerToken) -> None:
    """Write a token (serialized, with its secrets) to a file only its owner can read."""
    serialized = TokenSerializer().dumps(token)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            if hasattr(os, "fchmod"):  # also when the file existed with wider permissions (POSIX)
                os.fchmod(file.fileno(), 0o600)
            file.write(serialized + b"\n")
    except OSError as exc:
        raise UsageError(f"cannot write the token file {path}: {exc.strerror or exc}") from None
