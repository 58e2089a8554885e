"""Okta (https://www.okta.com): an `OAuth2Client` for an org or custom authorization server, from its metadata."""

from __future__ import annotations

import re
from typing import Any

import requests
from jwskate import Jwk

from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import ClientSecretBasic
from requests_oauth2client.vendor_specific._hosts import host_name

__all__ = ["Okta"]

_AUTHORIZATION_SERVER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


class Okta:
    """Create clients for the authorization servers of an Okta org.

    An Okta org has two kinds of authorization servers. The *org authorization server* (issuer
    `https://<domain>`) issues tokens for Okta's own APIs, and for sign-in. *Custom authorization servers*
    (issuer `https://<domain>/oauth2/<id>`, `default` being the one every org has) issue access tokens for your
    own APIs.

    Example:
        ```python
        client = Okta.client("dev-123456.okta.com", client_id="my_client_id", client_secret="my_client_secret")
        token = client.client_credentials(scope="orders:read")
        ```
    """

    @classmethod
    def issuer(cls, domain: str, authorization_server: str | None = "default") -> str:
        """Return the issuer identifier of an Okta authorization server.

        Args:
            domain: the Okta domain (`dev-123456.okta.com`, or a custom domain), optionally as an `https://` URL.
            authorization_server: the ID of a custom authorization server (`default`, or an ID like
                `aus1a2b3c4d5e6f7g8h9`), or None for the org authorization server.

        Returns:
            `https://<domain>/oauth2/<authorization_server>`, or `https://<domain>` for the org server.

        Raises:
            ValueError: if the domain or the authorization server ID is invalid.

        Example:
            >>> Okta.issuer("dev-123456.okta.com")
            'https://dev-123456.okta.com/oauth2/default'
            >>> Okta.issuer("dev-123456.okta.com", authorization_server=None)
            'https://dev-123456.okta.com'
        """
        origin = f"https://{host_name(domain, 'Okta domain')}"
        if authorization_server is None:
            return origin
        if not isinstance(authorization_server, str) or not _AUTHORIZATION_SERVER_ID.match(authorization_server):
            msg = (
                f"Invalid Okta authorization server ID '{authorization_server}': use 'default', the ID of a custom "
                "authorization server, or None for the org authorization server."
            )
            raise ValueError(msg)
        return f"{origin}/oauth2/{authorization_server}"

    @classmethod
    def client(
        cls,
        domain: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        authorization_server: str | None = "default",
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for an Okta authorization server, from the metadata it publishes.

        A `client_id` with a `client_secret` authenticates with `client_secret_basic`, the method Okta uses for
        clients registered without another one; pass `auth=ClientSecretPost(...)` for an app set to
        `client_secret_post`.

        Args:
            domain: the Okta domain, as accepted by `issuer()`.
            auth: the client authentication (see `OAuth2Client`).
            authorization_server: the custom authorization server ID (`default`), or None for the org server.
            client_id: the client_id.
            client_secret: the client secret (client_secret_basic).
            private_key: the client private key, for private_key_jwt.
            session: the `requests.Session` to use.
            **kwargs: other parameters of `OAuth2Client.from_discovery_endpoint()`.

        Returns:
            the configured client.

        Raises:
            ValueError: if the domain or the authorization server ID is invalid.
        """
        if auth is None and client_id is not None and client_secret is not None and private_key is None:
            auth = ClientSecretBasic(client_id, client_secret)
            client_id = client_secret = None
        return OAuth2Client.from_discovery_endpoint(
            issuer=cls.issuer(domain, authorization_server),
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            session=session,
            **kwargs,
        )
