"""The validated authorization response, `AuthorizationResponse` (public from `authorization_request`).

Private module: kept apart from the request that builds it, so that each file holds one concept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import frozen

from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.exceptions import InvalidAcrValuesParam, IssuerMixUp
from requests_oauth2client.utils import split_space_separated

__all__ = ["AuthorizationResponse"]


@frozen(init=False, repr=False)
class AuthorizationResponse:
    """A validated authorization response, with what the token request and the ID Token checks need.

    Built by `AuthorizationRequest.validate_callback()`; pass it to `OAuth2Client.authorization_code()`.
    Extra response parameters (such as `iss` or `session_state`) are in `kwargs` and readable as
    attributes; an unknown attribute reads as `None`.

    Args:
        code: the authorization code.
        redirect_uri: the redirect_uri of the request (sent again to the token endpoint).
        code_verifier: the PKCE code verifier of the request.
        state: the state of the response.
        nonce: the nonce of the request (checked in the ID Token).
        acr_values: the requested acr values (a space-separated str or an iterable).
        max_age: the requested max_age (checked against the ID Token `auth_time`).
        issuer: the expected issuer (checked against the ID Token `iss`).
        dpop_key: the DPoP key the authorization code is bound to, if any.
        **kwargs: other response parameters.
    """

    code: str
    redirect_uri: str | None
    code_verifier: str | None
    state: str | None
    nonce: str | None
    acr_values: tuple[str, ...] | None
    max_age: int | None
    issuer: str | None
    dpop_key: DPoPKey | None
    kwargs: dict[str, Any]

    def __init__(
        self,
        /,  # `self` is positional-only, so that a response parameter named "self" lands in kwargs
        *,
        code: str,
        redirect_uri: str | None = None,
        code_verifier: str | None = None,
        state: str | None = None,
        nonce: str | None = None,
        acr_values: str | Iterable[str] | None = None,
        max_age: int | None = None,
        issuer: str | None = None,
        dpop_key: DPoPKey | None = None,
        **kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            state=state,
            nonce=nonce,
            acr_values=split_space_separated(acr_values, InvalidAcrValuesParam),
            max_age=max_age,
            issuer=issuer,
            dpop_key=dpop_key,
            kwargs=kwargs,
        )

    def __repr__(self) -> str:
        # The code and the code verifier are secrets: they stay out of repr().
        return (
            f"{type(self).__name__}(redirect_uri={self.redirect_uri!r}, state={self.state!r}, issuer={self.issuer!r})"
        )

    def check_issuer(self, issuer: str | None) -> None:
        """Refuse to redeem this response through a client of another issuer (RFC 9207 §2.4, RFC 9700 §4.4).

        The issuer of this response is the one it was validated for (`issuer`), else the `iss` it carries. When
        both it and `issuer` (the issuer of the client that would send the code) are known, they must be equal:
        otherwise the code and the PKCE verifier would go to another Authorization Server (a mix-up attack).

        Args:
            issuer: the issuer of the client about to exchange the code.

        Raises:
            IssuerMixUp: if the two issuers are known and differ.
        """
        received = self.issuer if self.issuer is not None else self.kwargs.get("iss")
        if issuer is not None and isinstance(received, str) and received != issuer:
            raise IssuerMixUp(received, issuer, self)

    def __getattr__(self, name: str) -> Any:
        """Return an extra response parameter, or `None` if there is none with that name.

        Names starting with `_` that are not parameters raise AttributeError, so that tools probing for
        special hooks (`__deepcopy__`, `_repr_html_`...) are not handed `None`.
        """
        if name == "kwargs":
            raise AttributeError(name)
        try:
            kwargs = object.__getattribute__(self, "kwargs")
        except AttributeError:  # not initialised yet (during copy or unpickling)
            raise AttributeError(name) from None
        if name.startswith("_") and name not in kwargs:
            raise AttributeError(name)
        return kwargs.get(name)
