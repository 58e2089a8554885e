"""Handlers whose grant can be run again: client credentials and resource owner password."""

from __future__ import annotations

from typing import Any, ClassVar

from attrs import define, field

from requests_oauth2client._auth.base import NOT_FOR_REFRESH, OAuth2AccessTokenAuth, OnToken, StoreOption
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.enums import GrantTypes
from requests_oauth2client.exceptions import InvalidGrant
from requests_oauth2client.tokens import BearerToken

__all__ = ["OAuth2ClientCredentialsAuth", "OAuth2ResourceOwnerPasswordAuth"]


@define(init=False)
class _RepeatableGrantAuth(OAuth2AccessTokenAuth):
    """Base for handlers whose grant can be run again: refresh when possible, else (or on failure) the grant."""

    _not_for_refresh: ClassVar[frozenset[str]] = NOT_FOR_REFRESH
    _user_tokens: ClassVar[bool] = False

    def _obtain(self, base: BearerToken | None) -> BearerToken | None:
        try:
            token = super()._obtain(base)
        except InvalidGrant:
            token = None  # the refresh token expired or was revoked (and no other process renewed): run the grant
        return token if token is not None else self._received(self._grant())

    def _key_parameters(self) -> dict[str, Any]:
        return dict(self.token_kwargs)  # the client's own tokens: DPoP or not makes them different

    def _grant(self) -> BearerToken:
        raise NotImplementedError


@define(init=False)
class OAuth2ClientCredentialsAuth(_RepeatableGrantAuth):
    """A `requests` auth handler that obtains access tokens with the Client Credentials grant.

    A token is obtained on the first request with `client.client_credentials(**token_kwargs)`, reused while it is
    valid, and renewed when it needs renewal (see `OAuth2AccessTokenAuth` for the leeway rule): with its refresh
    token if it has one, else (or if the refresh fails with `invalid_grant`) with the Client Credentials grant again.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        leeway: renew the token when it expires within this number of seconds (at most half its lifetime).
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler obtain a new token once and send the request
            again, once (never more).
        store: a `TokenStore` to share the token with other handlers, processes or hosts (the key is derived from
            the client and the `token_kwargs`), or a `TokenStoreEntry` (a key and lock settings of your choice).
        on_token: called with each new token this handler obtains (see `OAuth2AccessTokenAuth`).
        **token_kwargs: parameters for the token requests, e.g. `scope`, `resource`, `audience`, `dpop`.

    Example:
        ```python
        auth = OAuth2ClientCredentialsAuth(client, scope="myscope", resource="https://myapi.local")
        requests.get("https://myapi.local/resource", auth=auth)
        ```
    """

    _store_grant: ClassVar[str] = GrantTypes.CLIENT_CREDENTIALS.value

    def __init__(
        self,
        client: OAuth2Client,
        *,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        store: StoreOption = None,
        on_token: OnToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            store=store,
            subject=None,
            on_token=on_token,
        )

    def renew_token(self) -> None:
        """Obtain a new token now: with the refresh token if there is one, else with the Client Credentials grant.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again. With a store, a token another process renewed meanwhile is used instead.
        """
        super().renew_token()

    def _grant(self) -> BearerToken:
        return self.client.client_credentials(**self.token_kwargs)


@define(init=False)
class OAuth2ResourceOwnerPasswordAuth(_RepeatableGrantAuth):  # type: ignore[override]  # __attrs_init__ gains the subclass fields
    """A `requests` auth handler that obtains access tokens with the Resource Owner Password Credentials grant.

    This grant is deprecated by OAuth 2.1: use it only when nothing else is possible. Tokens are obtained with
    `client.resource_owner_password(username=..., password=..., **token_kwargs)` and renewed like
    `OAuth2ClientCredentialsAuth` does. The password never appears in `repr()`.

    Args:
        client: the `OAuth2Client` used to obtain tokens.
        username: the resource owner's user name.
        password: the resource owner's password.
        leeway: renew the token when it expires within this number of seconds (at most half its lifetime).
        token: an initial token, if any (a `str` is taken as a Bearer access token).
        renew_on_invalid_token: opt-in (off by default). When `True`, a `401` response whose `WWW-Authenticate`
            header says `error="invalid_token"` makes the handler obtain a new token once and send the request
            again, once (never more).
        store: a `TokenStore` to share the token with other handlers, processes or hosts (the key is derived from
            the client, the `username` and the `token_kwargs`), or a `TokenStoreEntry`.
        on_token: called with each new token this handler obtains (see `OAuth2AccessTokenAuth`).
        **token_kwargs: extra parameters for the token requests, e.g. `scope`.
    """

    username: str
    password: str = field(repr=False)

    _store_grant: ClassVar[str] = GrantTypes.RESOURCE_OWNER_PASSWORD.value

    def __init__(
        self,
        client: OAuth2Client,
        *,
        username: str,
        password: str,
        leeway: int = 20,
        token: str | BearerToken | None = None,
        renew_on_invalid_token: bool = False,
        store: StoreOption = None,
        on_token: OnToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        self.__attrs_init__(
            client=client,
            token=token,
            leeway=leeway,
            token_kwargs=token_kwargs,
            renew_on_invalid_token=renew_on_invalid_token,
            store=store,
            subject=None,
            on_token=on_token,
            username=username,
            password=password,
        )

    def renew_token(self) -> None:
        """Obtain a new token now: with the refresh token if there is one, else with the password grant.

        Safe to call from several threads: a call that had to wait while another thread renewed the token
        does not renew it again. With a store, a token another process renewed meanwhile is used instead.
        """
        super().renew_token()

    def _key_parameters(self) -> dict[str, Any]:
        return {"username": self.username, **self.token_kwargs}

    def _grant(self) -> BearerToken:
        return self.client.resource_owner_password(username=self.username, password=self.password, **self.token_kwargs)
