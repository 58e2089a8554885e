"""`ro2c decode`: show a JWT's header and claims, and verify its signature when keys are given (with jwskate).

Without keys the output says UNVERIFIED first: the content of a JWT that nobody checked proves nothing.
"""

from __future__ import annotations

from typing import Any

import requests
from jwskate import InvalidJwt, JweCompact, Jwk, JwkSet, Jwt, SignedJwt

from requests_oauth2client import OAuth2Client, validate_endpoint_uri

from .inputs import PLACEHOLDER_CLIENT_ID, Inputs, UsageError, load_keys
from .output import Output

UNVERIFIED = "UNVERIFIED: no key was given, so anybody could have written this token"
HTTP_TIMEOUT = 30
NOT_A_JWT = "this is not a JWT: expected a compact JWS (header.payload.signature) or JWE"


def decode(inputs: Inputs, out: Output) -> int:
    """`ro2c decode`: exit status 1 when keys are given and the signature does not verify."""
    args = inputs.args
    value = (inputs.read_stdin("JWT") if args.jwt == "-" else args.jwt).strip()
    try:
        jwt = Jwt(value)
    except (InvalidJwt, ValueError, TypeError):
        raise UsageError(NOT_A_JWT) from None
    if isinstance(jwt, JweCompact):
        out.result(
            {
                "type": "JWE (encrypted): its content needs the recipient's private key, not shown here",
                "header": jwt.headers,
            }
        )
        return 0
    if not isinstance(jwt, SignedJwt):
        raise UsageError(NOT_A_JWT)
    keys = _verification_keys(inputs)
    result: dict[str, Any] = {"signature": UNVERIFIED, "header": jwt.headers, "claims": jwt.claims}
    status = 0
    if keys is not None:
        key = verifying_key(jwt, keys, args.alg)
        if key is None:
            result["signature"] = "INVALID: it does not verify with the given keys"
            status = 1
        else:
            result["signature"] = f"verified ({jwt.alg}, key {key.kid or key.thumbprint()})"
    out.result(result)
    return status


def verifying_key(jwt: SignedJwt, keys: Jwk | JwkSet, alg: str | None) -> Jwk | None:
    """The key that verifies the signature of `jwt` with its `alg`, or None.

    The header's `alg` must be `alg` when given, else the key's `alg` when it has one, else one its type supports;
    `none` never verifies. With a key set, the key named by the header's `kid` (when there is one) is the only one
    tried.
    """
    alg_used, kid = jwt.headers.get("alg"), jwt.headers.get("kid")
    if not isinstance(alg_used, str) or alg_used == "none":
        return None
    if isinstance(keys, Jwk):
        candidates = [keys]
    elif kid:
        try:
            candidates = [keys.get_jwk_by_kid(kid)]
        except KeyError:
            return None
    else:
        candidates = keys.verification_keys()
    for key in candidates:
        allowed = [alg] if alg else [key.alg] if key.alg else key.supported_signing_algorithms()
        public = key.public_jwk() if key.is_private and not key.is_symmetric else key
        if alg_used in allowed and jwt.verify_signature(public, alg=alg_used):
            return key
    return None


def _verification_keys(inputs: Inputs) -> Jwk | JwkSet | None:
    """The keys given with --key, --jwks-uri or --issuer / --discovery-url; None when none."""
    args = inputs.args
    sources = [name for name in ("key", "jwks_uri", "issuer", "discovery_url") if getattr(args, name)]
    if len(sources) > 1 and set(sources) != {"issuer", "discovery_url"}:
        raise UsageError("give the verification keys in one way: --key, --jwks-uri, or --issuer/--discovery-url")
    if args.key:
        return load_keys(args.key)
    if args.jwks_uri:
        if not args.testing:
            validate_endpoint_uri(args.jwks_uri)
        response = requests.get(args.jwks_uri, timeout=HTTP_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        try:
            return JwkSet(response.json())
        except Exception:  # not a JWK set: say so without echoing the document
            raise UsageError(f"{args.jwks_uri} did not return a JWK set") from None
    if args.issuer or args.discovery_url:
        client = OAuth2Client.from_discovery_endpoint(
            url=args.discovery_url, issuer=args.issuer, client_id=PLACEHOLDER_CLIENT_ID, testing=args.testing
        )
        return client.authorization_server_jwks
    return None
