"""The command line of `ro2c`: its subcommands and options (argparse).

Every subcommand takes the option groups it needs (authorization server, client authentication, request, output),
after its name: `ro2c client_credentials --issuer https://as.example.com --client-id app --scope api`.
"""

from __future__ import annotations

import argparse
import os

from requests_oauth2client import __version__

PROG = "ro2c"
CLIENT_SECRET_ENV = "RO2C_CLIENT_SECRET"
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none")
ENDPOINTS = (
    "token_endpoint",
    "authorization_endpoint",
    "pushed_authorization_request_endpoint",
    "device_authorization_endpoint",
    "introspection_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)

DESCRIPTION = """\
Obtain and inspect OAuth 2.0 and OpenID Connect tokens from the command line: a tool for people who develop
against, or debug, an authorization server (AS). Built on requests_oauth2client.

Name the AS with --issuer (its metadata is discovered), or give its endpoints (--token-endpoint...).
"""

EPILOG = f"""\
secrets:
  Access, refresh and ID tokens, device codes and client secrets are never printed unless you ask:
  --show-secrets prints them, --print-access-token prints only the access token, --save-token FILE stores the
  token (mode 600) for the next commands (--token-file FILE). Pass the client secret in the {CLIENT_SECRET_ENV}
  environment variable, another one (--client-secret-env NAME) or on stdin (--client-secret-stdin), rather than on
  the command line, where your shell history and other users' process lists would see it.

environment:
  RO2C_ISSUER, RO2C_CLIENT_ID, {CLIENT_SECRET_ENV}: defaults for --issuer, --client-id and the client secret.

exit status:
  0  success
  1  the operation failed: the AS answered with an error, a response failed validation, the user denied or did
     not finish the login in time, a JWT signature did not verify
  2  usage error: invalid or missing option, missing endpoint, unreadable file
  3  the AS could not be reached (connection error or timeout)
  130  interrupted (Ctrl-C)

Run `{PROG} COMMAND --help` for the options of each command.
"""


def _param(value: str) -> tuple[str, str]:
    name, sep, param_value = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, param_value


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return number


def _output_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true", help="print JSON on stdout instead of readable text")
    group.add_argument(
        "--show-secrets",
        action="store_true",
        help="print tokens and other secrets in full (they are hidden by default)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        help="log the HTTP exchanges with the AS (without secrets) and show a traceback on errors",
    )
    return parser


def _server_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group(
        "authorization server", "Either --issuer (or --discovery-url), or at least --token-endpoint."
    )
    group.add_argument(
        "--issuer",
        metavar="URL",
        default=os.environ.get("RO2C_ISSUER") or None,
        help="the issuer identifier of the AS: its metadata is fetched from the OpenID Connect discovery URL "
        "derived from it, and must name exactly this issuer (default: $RO2C_ISSUER)",
    )
    group.add_argument(
        "--discovery-url", metavar="URL", help="fetch the AS metadata from this URL (e.g. an RFC 8414 location)"
    )
    for endpoint in ENDPOINTS:
        group.add_argument(
            f"--{endpoint.replace('_', '-')}",
            dest=endpoint,
            metavar="URL",
            help=f"the {endpoint.replace('_', ' ').replace('uri', 'URI')} (sets or overrides the discovered one)",
        )
    group.add_argument("--testing", action="store_true", help="allow http:// URLs (for an AS on your own machine)")
    return parser


def _client_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group(
        "client authentication",
        "The method defaults to private_key_jwt with --private-key, to client_secret_basic when a secret is\n"
        f"given (or {CLIENT_SECRET_ENV} is set), and to none (a public client) otherwise.",
    )
    group.add_argument(
        "--client-id", default=os.environ.get("RO2C_CLIENT_ID") or None, help="the client_id (default: $RO2C_CLIENT_ID)"
    )
    group.add_argument("--auth-method", choices=AUTH_METHODS, help="the client authentication method")
    group.add_argument(
        "--client-secret-env",
        metavar="NAME",
        help=f"read the client secret from this environment variable (default: {CLIENT_SECRET_ENV})",
    )
    group.add_argument(
        "--client-secret-stdin", action="store_true", help="read the client secret from stdin (first line)"
    )
    group.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="the client secret itself (avoid: it stays in your shell history and is visible to other users)",
    )
    group.add_argument(
        "--private-key", metavar="FILE", help="the private key for private_key_jwt: a JWK (JSON) or a PEM file"
    )
    group.add_argument(
        "--private-key-alg",
        metavar="ALG",
        help="the signing alg (default: the key's, else the first its type supports)",
    )
    group.add_argument(
        "--private-key-kid",
        metavar="KID",
        help="the key's kid as registered at the AS, when the file has none (a PEM; default: its thumbprint)",
    )
    return parser


def _request_options(*, resource: bool = True, audience: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("request")
    group.add_argument("--scope", help="the requested scope (space-separated)")
    if resource:
        group.add_argument(
            "--resource", action="append", metavar="URI", help="a resource indicator (RFC 8707); may be repeated"
        )
    if audience:
        group.add_argument("--audience", help="the audience parameter (some AS use it instead of resource)")
    group.add_argument(
        "--param",
        action="append",
        type=_param,
        default=[],
        metavar="NAME=VALUE",
        help="an extra request parameter; may be repeated",
    )
    return parser


def _token_output_options(*, dpop: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("token")
    if dpop:
        group.add_argument("--dpop", action="store_true", help="ask for a DPoP-bound token (RFC 9449)")
        group.add_argument("--dpop-alg", default="ES256", metavar="ALG", help="the alg of the DPoP key (ES256)")
    group.add_argument(
        "--save-token",
        metavar="FILE",
        help="store the token (with its refresh token, ID token and DPoP key) in FILE, readable by you only, "
        "for --token-file",
    )
    group.add_argument(
        "--print-access-token",
        action="store_true",
        help='print only the access token, e.g. for: curl -H "Authorization: Bearer $(ro2c ...)"',
    )
    return parser


def _token_input_options(what: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("token")
    group.add_argument(
        "token",
        nargs="?",
        metavar="TOKEN",
        help=f"the {what}, or - to read it from stdin (prefer --token-file or stdin: a command line is not private)",
    )
    group.add_argument("--token-file", metavar="FILE", help="a token stored with --save-token")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The `ro2c` argument parser, with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s (requests_oauth2client {__version__})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)
    output, server, client = _output_options(), _server_options(), _client_options()

    def add(
        name: str, summary: str, description: str, example: str, *parents: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=description,
            epilog=f"example:\n  {example}\n\nSee `{PROG} --help` for the exit status and how secrets are handled.",
            parents=list(parents),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    add(
        "client_credentials",
        "obtain a token with the client credentials grant",
        "Obtain an access token for the client itself (client credentials grant, RFC 6749 §4.4).",
        f"{CLIENT_SECRET_ENV}=... {PROG} client_credentials --issuer https://as.example.com --client-id app --scope x",
        server,
        client,
        _request_options(audience=True),
        _token_output_options(),
        output,
    )

    login = add(
        "login",
        "log a user in with their browser (authorization code + PKCE)",
        "Log a user in with their browser: the authorization code flow with PKCE, state and nonce, and a one-time\n"
        "listener on http://127.0.0.1 for the redirect back (RFC 8252). The ID Token is validated.\n"
        "Register the redirect URI http://127.0.0.1/callback (any port) at the AS, or give yours.",
        f"{PROG} login --issuer https://as.example.com --client-id my-cli --scope 'openid profile' --save-token t",
        server,
        client,
        _request_options(),
        _token_output_options(),
        output,
    )
    login_group = login.add_argument_group("login")
    login_group.add_argument(
        "--redirect-uri",
        metavar="URL",
        help="a http://127.0.0.1[:PORT]/PATH redirect URI (default: a free port and /callback)",
    )
    login_group.add_argument(
        "--no-browser", action="store_true", help="print the URL to open on stderr instead of opening a browser"
    )
    login_group.add_argument("--par", action="store_true", help="push the authorization request first (PAR, RFC 9126)")
    login_group.add_argument(
        "--timeout", type=_positive, default=300.0, metavar="SECONDS", help="how long to wait for the user (300)"
    )

    add(
        "device",
        "log a user in on another device (device authorization grant)",
        "Log a user in on another device (RFC 8628): shows the verification URL and the user code, then polls\n"
        "the token endpoint until the user approves, with a live status on stderr.",
        f"{PROG} device --issuer https://as.example.com --client-id my-tv-app --scope openid",
        server,
        client,
        _request_options(resource=False),
        _token_output_options(),
        output,
    )

    add(
        "refresh",
        "obtain new tokens with a refresh token",
        "Obtain new tokens with a refresh token (RFC 6749 §6). With --token-file, a DPoP token keeps its key and a\n"
        "new ID Token is checked against the stored one.",
        f"{PROG} refresh --issuer https://as.example.com --client-id my-cli --token-file t --save-token t",
        server,
        client,
        _token_input_options("refresh token"),
        _request_options(resource=False),
        _token_output_options(dpop=False),
        output,
    )

    exchange = add(
        "token_exchange",
        "exchange a token for another (RFC 8693)",
        "Exchange a subject token (and an optional actor token) for a new token (RFC 8693). Token types are\n"
        "full URNs or the short names access_token, refresh_token, id_token, jwt, saml1, saml2.",
        f"{PROG} token_exchange --issuer https://as.example.com --client-id app --subject-token-file t --audience api",
        server,
        client,
        _request_options(audience=True),
        _token_output_options(),
        output,
    )
    exchange_group = exchange.add_argument_group("tokens to exchange")
    exchange_group.add_argument("--subject-token", metavar="TOKEN", help="the subject token, or - for stdin")
    exchange_group.add_argument("--subject-token-file", metavar="FILE", help="a subject token stored with --save-token")
    exchange_group.add_argument("--subject-token-type", metavar="TYPE", help="(default: access_token)")
    exchange_group.add_argument("--actor-token", metavar="TOKEN", help="the actor token, or - for stdin")
    exchange_group.add_argument("--actor-token-type", metavar="TYPE", help="(default: access_token)")
    exchange_group.add_argument("--requested-token-type", metavar="TYPE")

    introspect = add(
        "introspect",
        "ask the AS whether a token is active, and about it (RFC 7662)",
        "Send a token to the introspection endpoint (RFC 7662) and print the answer.",
        f"{PROG} introspect --issuer https://as.example.com --client-id rs --client-secret-stdin --token-file t",
        server,
        client,
        _token_input_options("token to introspect"),
        output,
    )
    introspect.add_argument("--token-type-hint", choices=("access_token", "refresh_token"))

    revoke = add(
        "revoke",
        "revoke a token (RFC 7009)",
        "Revoke a token at the revocation endpoint (RFC 7009). With --token-file, the access token is revoked, or\n"
        "the refresh token with --token-type-hint refresh_token.",
        f"{PROG} revoke --issuer https://as.example.com --client-id my-cli --token-file t",
        server,
        client,
        _token_input_options("token to revoke"),
        output,
    )
    revoke.add_argument("--token-type-hint", choices=("access_token", "refresh_token"))

    add(
        "userinfo",
        "get the claims about the user (OpenID Connect UserInfo)",
        "Call the UserInfo endpoint with an access token and print the claims about the user. A DPoP token from\n"
        "--token-file is sent with a DPoP proof. --client-id is not needed.",
        f"{PROG} userinfo --issuer https://as.example.com --token-file t",
        server,
        client,
        _token_input_options("access token"),
        output,
    )

    add(
        "discover",
        "print the metadata of the authorization server",
        "Fetch and print the metadata document of the AS (OpenID Connect discovery, or RFC 8414 with\n"
        "--discovery-url). The document must name the expected issuer.",
        f"{PROG} discover --issuer https://as.example.com --json",
        server,
        output,
    )

    decode = add(
        "decode",
        "show a JWT's header and claims (verified when keys are given)",
        "Show the header and claims of a JWT. Without keys they are shown UNVERIFIED: anybody can write such a\n"
        "token. With --key, --jwks-uri or --issuer (the AS keys), the signature is verified, and the command fails\n"
        "when it does not verify. Claims (exp, aud...) are shown, not checked. Encrypted JWTs (JWE) show their\n"
        "header only.",
        f"{PROG} decode eyJhbGciOi... --issuer https://as.example.com",
        output,
    )
    decode.add_argument("jwt", metavar="JWT", help="the JWT, or - to read it from stdin")
    keys = decode.add_argument_group("verification keys")
    keys.add_argument("--key", metavar="FILE", help="a public key (JWK or PEM) or a JWK set (JSON) file")
    keys.add_argument("--jwks-uri", metavar="URL", help="fetch the keys from this URL")
    keys.add_argument("--issuer", metavar="URL", help="use the keys of this AS (discovery)")
    keys.add_argument("--discovery-url", metavar="URL", help="use the keys of the AS with this metadata URL")
    keys.add_argument("--alg", help="the expected signature alg (default: the key's, or any its type supports)")
    keys.add_argument("--testing", action="store_true", help="allow http:// URLs")
    return parser
