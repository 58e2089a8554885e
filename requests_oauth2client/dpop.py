"""DPoP (RFC 9449): proof-of-possession keys, proofs, DPoP-bound tokens and proof validation.

A `DPoPKey` signs DPoP proofs. A `DPoPToken` is a `BearerToken` bound to such a key: used as a `requests` auth
handler, it sends `Authorization: DPoP <access_token>` with a fresh proof in the `DPoP` header, and when a resource
server answers 401 asking for a nonce, it sends the request again, once, with a proof carrying that nonce.

Nonces are kept apart, per origin (`scheme://host:port`): one per authorization server (`as_nonce` is the last
one seen) and one per resource server (`rs_nonce` is the last one seen). `DPoPKey.as_dict()` keeps the origins, so
a key read back from storage never sends a nonce to another server than the one that provided it.

Example:
    ```python
    dpop_key = DPoPKey.generate(alg="ES256")
    proof = dpop_key.proof(htm="GET", htu="https://api.example.com/resource")
    ```
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import jwskate
import requests
from attrs import Attribute, define, field, frozen, setters

from requests_oauth2client._errors.dpop import (
    InvalidDPoPAccessToken,
    InvalidDPoPAlg,
    InvalidDPoPKey,
    InvalidUseDPoPNonceResponse,
    MissingDPoPNonce,
    RepeatedDPoPNonce,
)
from requests_oauth2client._http.dpop_headers import (
    DPOP_NONCE_HEADER,
    OriginNonces,
    dpop_challenge,
    htu_of,
    provided_nonce,
    valid_nonce,
)
from requests_oauth2client._http.origins import forget_credentials_before_leaving, origin_of, response_origin
from requests_oauth2client._http.resend import Resend
from requests_oauth2client._jose.dpop_validation import DPOP_JWT_TYP, InvalidDPoPProof, validate_dpop_proof
from requests_oauth2client._jose.encoding import asymmetric_signature_algs, ath_of, default_iat, default_jti
from requests_oauth2client._jose.jws import JwsWriter, WrittenJwt
from requests_oauth2client.tokens import BearerToken, IdToken, IdTokenT_co
from requests_oauth2client.utils import accepts_expires_in

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DPoPKey",
    "DPoPToken",
    "InvalidDPoPAccessToken",
    "InvalidDPoPAlg",
    "InvalidDPoPKey",
    "InvalidDPoPProof",
    "InvalidUseDPoPNonceResponse",
    "MissingDPoPNonce",
    "RepeatedDPoPNonce",
    "add_dpop_proof",
    "validate_dpop_proof",
]


_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


# --------------------------------------------------------------------------------------------------------------
# DPoPToken
# --------------------------------------------------------------------------------------------------------------


def _to_dpop_key(value: DPoPKey | Mapping[str, Any]) -> DPoPKey:
    if isinstance(value, DPoPKey):
        return value
    if isinstance(value, Mapping):
        return DPoPKey(**value)
    raise TypeError("_dpop_key must be a DPoPKey")


@frozen(init=False)
class DPoPToken(BearerToken[IdTokenT_co]):  # type: ignore[override]
    """A DPoP-bound access token (RFC 9449), usable as a `requests` auth handler.

    It sends `Authorization: DPoP <access_token>` and a fresh proof (with `ath` and the resource server's nonce) in
    the `DPoP` header. When the resource server answers 401 with a DPoP challenge asking for a nonce, the request
    is sent again, once, with a proof carrying the new nonce; the retry's own response is returned as it is.

    `token_type` is not checked: the client decides which class to build from the token response.

    Args:
        access_token: the access token value, a token68 string.
        _dpop_key: the `DPoPKey` the token is bound to (or its `as_dict()` form).
        expires_at: the expiration date.
        scope: the scope.
        refresh_token: the refresh token.
        token_type: the token type, "DPoP" by default.
        id_token: an ID Token.
        **kwargs: other members of the token response.

    Raises:
        InvalidDPoPAccessToken: if the access token is not a token68 value.

    Example:
        ```python
        token = DPoPToken("my_token", _dpop_key=DPoPKey.generate())
        requests.get("https://api.example.com/resource", auth=token)
        ```
    """

    TOKEN_TYPE: ClassVar[str] = "DPoP"
    AUTHORIZATION_SCHEME: ClassVar[str] = "DPoP"
    DPOP_HEADER: ClassVar[str] = "DPoP"

    dpop_key: DPoPKey = field(kw_only=True, alias="_dpop_key")

    @accepts_expires_in
    def __init__(
        self,
        access_token: str,
        *,
        _dpop_key: DPoPKey | Mapping[str, Any],
        expires_at: datetime | None = None,
        scope: str | None = None,
        refresh_token: str | None = None,
        token_type: str = TOKEN_TYPE,
        id_token: str | bytes | IdToken | jwskate.JweCompact | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(access_token, str) or not _TOKEN68.fullmatch(access_token):
            raise InvalidDPoPAccessToken(access_token)
        self.__attrs_init__(
            access_token=access_token,
            expires_at=expires_at,
            scope=scope,
            refresh_token=refresh_token,
            token_type=token_type,
            id_token=id_token,
            kwargs=kwargs,
            _dpop_key=_to_dpop_key(_dpop_key),
        )

    def _check_token_type(self) -> None:
        """Accept any `token_type`: the client chose this class."""

    @cached_property
    def _ath(self) -> str:
        """The `ath` claim for this token, computed once."""
        return ath_of(self.access_token)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the `Authorization` and `DPoP` headers to a request and register the nonce retry hook.

        Raises:
            ExpiredAccessToken: if the token is expired.
        """
        request = super().__call__(request)
        self._add_proof(request)
        request.register_hook("response", _RsNonceRetry(self, request))  # type: ignore[no-untyped-call]
        return request

    def _add_proof(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Set the `DPoP` header: a fresh proof with `ath` and the nonce stored for the request's origin."""
        _set_proof_header(request, self.dpop_key, self._ath, self.DPOP_HEADER)
        return request

    def as_dict(self, *, with_expires_in: bool = True) -> dict[str, Any]:
        """Return this token as a dict, with `dpop_key` as `{alg, private_key, jwt_typ, as_nonce, rs_nonce}`.

        Args:
            with_expires_in: replace `expires_at` by the live `expires_in`.
        """
        base = super().as_dict(with_expires_in=with_expires_in)
        base.pop("dpop_key", None)
        leading = ("access_token", "expires_at", "scope", "refresh_token", "token_type", "id_token")
        result = {name: base.pop(name) for name in leading if name in base}
        result["dpop_key"] = self.dpop_key.as_dict()
        result.update(base)
        return result


class _RsNonceRetry:
    """The response hook of one request sent with a `DPoPToken`.

    It stores the nonce of any `DPoP-Nonce` header for the request's origin. On a 401 with a `DPoP` challenge
    asking for a nonce (`error="use_dpop_nonce"`, no error code, or another error with a new nonce), it sends the
    request again, once, with a fresh proof carrying the nonce (see `_http.resend` for when a request can be sent
    again), and returns the retry's response as it is, with the 401 in its `history`.

    The token and its proofs stay within the origin the request was sent to: a redirect to another origin is
    followed without the `Authorization` and `DPoP` headers, and a 401 from another origin is never answered
    with a retry.
    """

    __slots__ = ("resend", "token")

    def __init__(self, token: DPoPToken, request: requests.PreparedRequest) -> None:
        self.token = token
        self.resend = Resend(request)

    def __call__(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        token, key = self.token, self.token.dpop_key
        forget_credentials_before_leaving(response, self.resend.origin, ("Authorization", token.DPOP_HEADER))
        if response.status_code != 401 or not self.resend.answered_by_origin(response):
            key.update_rs_nonce(response)
            return response
        params = dpop_challenge(response.headers.get("WWW-Authenticate"))
        if params is None:
            key.update_rs_nonce(response)
            return response
        error = params.get("error")
        if error is None or error == "use_dpop_nonce":
            key.handle_rs_provided_dpop_nonce(response)  # raises when the nonce is missing or repeated
        elif not key.update_rs_nonce(response):
            return response  # another DPoP error, without a new nonce: nothing a resend could fix
        if not self.resend.possible(response):
            return response
        retried = self.resend.send_again(response, token._add_proof, **kwargs)
        key.update_rs_nonce(retried)
        return retried


# --------------------------------------------------------------------------------------------------------------
# DPoPKey
# --------------------------------------------------------------------------------------------------------------


_Server = Literal["as", "rs"]
"""Which kind of server a nonce comes from: the authorization server (`as`) or a resource server (`rs`)."""


def _forget_nonce_origin(instance: DPoPKey, attribute: Attribute[str | None], value: str | None) -> str | None:
    """A nonce assigned by hand to `as_nonce`/`rs_nonce` belongs to no known origin: it is used for any server."""
    getattr(instance, f"_{attribute.name}s").origin = None
    return value


@define(init=False)
class DPoPKey:
    """A private key that signs DPoP proofs, plus the nonces that servers provided for it.

    Args:
        private_key: a private, asymmetric key, in any form that `jwskate.to_jwk` accepts.
        alg: the signature alg, required when the key has no `alg` member.
        jti_generator: returns a fresh `jti` for each proof.
        iat_generator: returns the `iat` (a Unix timestamp) of each proof.
        jwt_typ: the `typ` header of the proofs.
        dpop_token_class: the class of the tokens bound to this key.
        as_nonce: an authorization server nonce set by hand: used with any authorization server that did not
            provide its own (unless it is the last of `as_nonces`: then it is that origin's).
        rs_nonce: a resource server nonce set by hand, likewise.
        as_nonces: the nonces of authorization servers, per origin, oldest first (as `as_dict()` gives them).
        rs_nonces: the nonces of resource servers, per origin, oldest first.
        exp: a lifetime, in seconds, for proofs: they then carry `exp` = `iat` + `exp`. None (the default) for no
            `exp` claim (RFC 9449 does not define one; servers check `iat`).

    Raises:
        InvalidDPoPKey: if the key is not a private, asymmetric key.
        InvalidDPoPAlg: if the alg is not a signature alg for this key, or contradicts the key's own `alg`.
        jwskate.ExpectedAlgRequired: if neither the key nor the `alg` parameter gives an alg.

    Example:
        ```python
        key = DPoPKey(private_jwk, alg="ES256")
        proof = key.proof("POST", "https://as.example.com/token")
        ```
    """

    alg: str = field(on_setattr=setters.frozen)
    private_key: jwskate.Jwk = field(on_setattr=setters.frozen, repr=False)
    jti_generator: Callable[[], str] = field(on_setattr=setters.frozen, repr=False, eq=False)
    iat_generator: Callable[[], int] = field(on_setattr=setters.frozen, repr=False, eq=False)
    jwt_typ: str = field(on_setattr=setters.frozen, repr=False)
    dpop_token_class: type[DPoPToken] = field(on_setattr=setters.frozen, repr=False)
    as_nonce: str | None = field(on_setattr=_forget_nonce_origin)
    rs_nonce: str | None = field(on_setattr=_forget_nonce_origin)
    exp: int | None = field(default=None, on_setattr=setters.frozen, repr=False, kw_only=True)
    _public_jwk: jwskate.Jwk = field(init=False, repr=False, eq=False, on_setattr=setters.frozen)
    _writer: JwsWriter = field(init=False, repr=False, eq=False, on_setattr=setters.frozen)
    _rs_nonces: OriginNonces = field(init=False, repr=False, eq=False, on_setattr=setters.frozen)
    _as_nonces: OriginNonces = field(init=False, repr=False, eq=False, on_setattr=setters.frozen)

    def __init__(
        self,
        private_key: Any,
        alg: str | None = None,
        jti_generator: Callable[[], str] = default_jti,
        iat_generator: Callable[[], int] = default_iat,
        jwt_typ: str = DPOP_JWT_TYP,
        dpop_token_class: type[DPoPToken] = DPoPToken,
        as_nonce: str | None = None,
        rs_nonce: str | None = None,
        as_nonces: Mapping[str, str] | None = None,
        rs_nonces: Mapping[str, str] | None = None,
        *,
        exp: int | None = None,
    ) -> None:
        if exp is not None and (isinstance(exp, bool) or not isinstance(exp, int) or exp <= 0):
            raise ValueError("The DPoP proof lifetime `exp` must be a positive number of seconds.")
        try:
            jwk = jwskate.to_jwk(private_key)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InvalidDPoPKey(private_key) from None
        if not jwk.is_private or jwk.is_symmetric:
            raise InvalidDPoPKey(private_key)
        if jwk.alg is not None and alg is not None and jwk.alg != alg:
            raise InvalidDPoPAlg(alg)
        chosen_alg = jwk.alg or alg
        if chosen_alg is None:
            raise jwskate.ExpectedAlgRequired(
                "This key has no 'alg' member: give the signature alg to use for DPoP proofs with `alg`."
            )
        if chosen_alg not in type(jwk).SIGNATURE_ALGORITHMS:
            raise InvalidDPoPAlg(chosen_alg)
        public_jwk = jwk.public_jwk()
        self.__attrs_init__(
            alg=chosen_alg,
            private_key=jwk,
            jti_generator=jti_generator,
            iat_generator=iat_generator,
            jwt_typ=jwt_typ,
            dpop_token_class=dpop_token_class,
            as_nonce=as_nonce,
            rs_nonce=rs_nonce,
            exp=exp,
        )
        header = {"typ": jwt_typ, "alg": chosen_alg, "jwk": dict(public_jwk)}
        object.__setattr__(self, "_public_jwk", public_jwk)
        object.__setattr__(self, "_writer", JwsWriter(jwk, chosen_alg, header))
        object.__setattr__(self, "_rs_nonces", OriginNonces())
        object.__setattr__(self, "_as_nonces", OriginNonces())
        self._restore_nonces("as", as_nonce, as_nonces)
        self._restore_nonces("rs", rs_nonce, rs_nonces)

    @classmethod
    def generate(
        cls,
        alg: str = jwskate.SignatureAlgs.ES256,
        jwt_typ: str = DPOP_JWT_TYP,
        jti_generator: Callable[[], str] = default_jti,
        iat_generator: Callable[[], int] = default_iat,
        dpop_token_class: type[DPoPToken] = DPoPToken,
        as_nonce: str | None = None,
        rs_nonce: str | None = None,
        *,
        exp: int | None = None,
    ) -> Self:
        """Generate a new key for an asymmetric signature alg.

        Args:
            alg: the signature alg (ES256 by default).
            jwt_typ: the `typ` header of the proofs.
            jti_generator: returns a fresh `jti` for each proof.
            iat_generator: returns the `iat` of each proof.
            dpop_token_class: the class of the tokens bound to this key.
            as_nonce: an initial authorization server nonce.
            rs_nonce: an initial resource server nonce.
            exp: a lifetime, in seconds, for proofs (`exp` = `iat` + `exp`); None for no `exp` claim.

        Raises:
            InvalidDPoPAlg: if `alg` is not an asymmetric signature alg.
        """
        if alg not in asymmetric_signature_algs():
            raise InvalidDPoPAlg(alg)
        return cls(
            jwskate.Jwk.generate(alg=alg),
            alg=alg,
            jti_generator=jti_generator,
            iat_generator=iat_generator,
            jwt_typ=jwt_typ,
            dpop_token_class=dpop_token_class,
            as_nonce=as_nonce,
            rs_nonce=rs_nonce,
            exp=exp,
        )

    @property
    def public_jwk(self) -> jwskate.Jwk:
        """The public key, as sent in the `jwk` header of proofs."""
        return self._public_jwk

    @cached_property
    def dpop_jkt(self) -> str:
        """The JWK SHA-256 thumbprint of the public key (RFC 7638), as used in `dpop_jkt` and `cnf.jkt`."""
        return self._public_jwk.thumbprint()

    # ----- proofs -----

    def _claims(self, htm: str, htu: str, ath: str | None, nonce: str | None) -> dict[str, Any]:
        iat = self.iat_generator()
        claims: dict[str, Any] = {"jti": self.jti_generator(), "htm": htm, "htu": htu_of(htu), "iat": iat}
        if self.exp is not None:
            claims["exp"] = iat + self.exp
        if nonce:
            claims["nonce"] = nonce
        if ath:
            claims["ath"] = ath
        return claims

    def proof(self, htm: str, htu: str, ath: str | None = None, nonce: str | None = None) -> jwskate.SignedJwt:
        """Create a DPoP proof.

        Args:
            htm: the HTTP method of the request.
            htu: the URL of the request; its query and fragment are not included.
            ath: the `ath` claim (base64url SHA-256 of the access token), for requests to resource servers.
            nonce: the nonce to include. By default, the resource-server nonce stored for the origin of `htu`,
                or `rs_nonce` when it was set by hand (or at init) and no nonce is known for that origin.

        Returns:
            the signed proof, with header `{typ, alg, jwk}` and claims `jti, htm, htu, iat[, exp][, nonce][, ath]`.
        """
        if nonce is None:
            nonce = self.rs_nonce_for(htu)
        claims = self._claims(htm, htu, ath, nonce)
        value, signature = self._writer.sign(claims)
        return WrittenJwt(value, self._writer.header, claims, signature)

    def compact_proof(self, htm: str, htu: str, ath: str | None = None, nonce: str | None = None) -> str:
        """Create a DPoP proof in compact form, the value of a `DPoP` header (the fast path of requests).

        Unlike `proof()`, the nonce is used as given: with `nonce=None`, the proof carries none (pass
        `as_nonce_for(htu)` or `rs_nonce_for(htu)` for the nonce of the server at `htu`).

        Args:
            htm: the HTTP method of the request.
            htu: the URL of the request; its query and fragment are not included.
            ath: the `ath` claim, for requests to resource servers.
            nonce: the nonce to include, if any.
        """
        return self._writer.compact(self._claims(htm, htu, ath, nonce))

    # ----- nonces -----

    def _restore_nonces(self, server: _Server, by_hand: str | None, nonces: Mapping[str, str] | None) -> None:
        """Store the per-origin nonces given at init; the last one is the current one, unless another is given."""
        for origin, nonce in (nonces or {}).items():
            self._store_nonce(server, origin, nonce)
        if by_hand is not None and by_hand != getattr(self, f"{server}_nonce"):
            setattr(self, f"{server}_nonce", by_hand)  # set by hand: no origin

    def _nonce_for(self, server: _Server, origin: str | None) -> str | None:
        """The nonce for a server origin: the last one it provided, else one set by hand (origin unknown)."""
        nonces: OriginNonces = getattr(self, f"_{server}_nonces")
        return nonces.nonce_for(origin, getattr(self, f"{server}_nonce"))

    def _store_nonce(self, server: _Server, origin: str | None, nonce: str) -> None:
        getattr(self, f"_{server}_nonces").record(origin, nonce)
        # Set directly, not through the on_setattr hook that forgets the origin.
        object.__setattr__(self, f"{server}_nonce", nonce)

    def _handle_provided_nonce(self, server: _Server, response: requests.Response) -> None:
        nonce = provided_nonce(response)
        origin = response_origin(response)
        if nonce == self._nonce_for(server, origin):
            raise RepeatedDPoPNonce(response)
        self._store_nonce(server, origin, nonce)

    def _update_nonce(self, server: _Server, response: requests.Response) -> bool:
        nonce = valid_nonce(response.headers.get(DPOP_NONCE_HEADER))
        if nonce is None:
            return False
        origin = response_origin(response)
        if nonce == self._nonce_for(server, origin):
            return False
        self._store_nonce(server, origin, nonce)
        return True

    def as_nonce_for(self, url: str) -> str | None:
        """The nonce to send to the authorization server endpoint at `url` (nonces are kept per server origin).

        Returns:
            the nonce last provided by that server; else a nonce set by hand on `as_nonce`; else None.
        """
        return self._nonce_for("as", origin_of(url))

    def rs_nonce_for(self, url: str) -> str | None:
        """The nonce to send to the resource server at `url` (nonces are kept per server origin).

        Returns:
            the nonce last provided by that server; else a nonce set by hand on `rs_nonce`; else None.
        """
        return self._nonce_for("rs", origin_of(url))

    def handle_as_provided_dpop_nonce(self, response: requests.Response) -> None:
        """Store the nonce that the authorization server asked to use, after a `use_dpop_nonce` error.

        Raises:
            MissingDPoPNonce: if the response has no `DPoP-Nonce` header.
            RepeatedDPoPNonce: if the nonce is the one already in use.
            InvalidUseDPoPNonceResponse: if the nonce is not a valid nonce value.
        """
        self._handle_provided_nonce("as", response)

    def handle_rs_provided_dpop_nonce(self, response: requests.Response) -> None:
        """Store the nonce that a resource server asked to use, for the origin of the request.

        Raises:
            MissingDPoPNonce: if the response has no `DPoP-Nonce` header.
            RepeatedDPoPNonce: if the nonce is the one already in use with that resource server.
            InvalidUseDPoPNonceResponse: if the nonce is not a valid nonce value.
        """
        self._handle_provided_nonce("rs", response)

    def update_as_nonce(self, response: requests.Response) -> bool:
        """Store the authorization server's new nonce, if the response has a valid `DPoP-Nonce` header.

        Call it on every authorization server response: servers may rotate nonces on any response.

        Returns:
            `True` if a new nonce was stored.
        """
        return self._update_nonce("as", response)

    def update_rs_nonce(self, response: requests.Response) -> bool:
        """Store a resource server's new nonce, for the origin of the request, if the response has one.

        Returns:
            `True` if a new nonce was stored.
        """
        return self._update_nonce("rs", response)

    def as_dict(self) -> dict[str, Any]:
        """Return the serializable attributes: `alg`, `private_key` (a JWK dict), `jwt_typ`, the nonces (and `exp`).

        The nonces are `as_nonce` and `rs_nonce` (the current ones) and, once servers provided some, `as_nonces`
        and `rs_nonces`, which map each server origin to its nonce, oldest first; `exp` is included only when set.
        `DPoPKey(**key.as_dict())` gives back an equal key, which sends each nonce to its own server only. The
        result holds the private key: keep it secret.
        """
        result: dict[str, Any] = {
            "alg": self.alg,
            "private_key": dict(self.private_key),
            "jwt_typ": self.jwt_typ,
            "as_nonce": self.as_nonce,
            "rs_nonce": self.rs_nonce,
        }
        for server in ("as", "rs"):
            nonces = getattr(self, f"_{server}_nonces").by_origin
            if nonces:
                result[f"{server}_nonces"] = dict(nonces)
        if self.exp is not None:
            result["exp"] = self.exp
        return result


# --------------------------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------------------------


def add_dpop_proof(
    request: requests.PreparedRequest, dpop_key: DPoPKey, access_token: str, header_name: str = "DPoP"
) -> None:
    """Add a DPoP proof for a request to a resource server, in place (with `ath` and the stored nonce).

    Args:
        request: the request.
        dpop_key: the DPoP key.
        access_token: the access token sent with the request.
        header_name: the name of the header that holds the proof.
    """
    _set_proof_header(request, dpop_key, ath_of(access_token), header_name)


def _set_proof_header(request: requests.PreparedRequest, key: DPoPKey, ath: str, header_name: str) -> None:
    url = request.url or ""
    request.headers[header_name] = key.compact_proof(request.method or "", url, ath=ath, nonce=key.rs_nonce_for(url))
