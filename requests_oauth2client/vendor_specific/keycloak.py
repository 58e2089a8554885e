"""Keycloak (https://www.keycloak.org): an `OAuth2Client` for a realm, configured from the realm's metadata."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import requests
from jwskate import Jwk

from requests_oauth2client.client import OAuth2Client

__all__ = ["Keycloak"]


class Keycloak:
    """Create clients for a realm of a Keycloak server.

    Each realm is an Authorization Server of its own, with the issuer `<server URL>/realms/<realm>`. Keycloak
    versions before 17 served everything under `/auth`: give `https://sso.example.com/auth` as the server URL for
    those (or for a newer Keycloak configured with `--http-relative-path=/auth`).

    Example:
        ```python
        client = Keycloak.client("https://sso.example.com", "myrealm", client_id="my_client_id", client_secret="s")
        token = client.client_credentials()
        ```
    """

    @classmethod
    def issuer(cls, server_url: str, realm: str) -> str:
        """Return the issuer identifier of a Keycloak realm: `<server_url>/realms/<realm>`.

        Args:
            server_url: the URL of the Keycloak server (`https://sso.example.com`), including its relative path if
                it has one (`https://sso.example.com/auth` for a Keycloak before version 17).
            realm: the realm name; it is percent-encoded in the issuer.

        Returns:
            the issuer.

        Raises:
            ValueError: if `server_url` is not an http(s) URL without query and fragment, or `realm` is empty.

        Example:
            >>> Keycloak.issuer("https://sso.example.com", "myrealm")
            'https://sso.example.com/realms/myrealm'
        """
        try:
            parts = urlsplit(server_url)
        except (TypeError, ValueError, AttributeError):
            parts = None
        if parts is None or parts.scheme.lower() not in ("https", "http") or not parts.netloc:
            msg = f"Invalid Keycloak server URL '{server_url}': it must be an https URL, like https://sso.example.com."
            raise ValueError(msg)
        if parts.query or parts.fragment:
            msg = f"Invalid Keycloak server URL '{server_url}': it must have no query and no fragment."
            raise ValueError(msg)
        if not isinstance(realm, str) or not realm:
            msg = "You must specify the Keycloak realm name."
            raise ValueError(msg)
        return f"{server_url.rstrip('/')}/realms/{quote(realm, safe='')}"

    @classmethod
    def client(
        cls,
        server_url: str,
        realm: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for a Keycloak realm, from the metadata the realm publishes.

        The metadata is fetched from `<issuer>/.well-known/openid-configuration` (its `issuer` must be the realm's
        issuer) and every endpoint it names is used, with the realm's public keys.

        Args:
            server_url: the URL of the Keycloak server, as accepted by `issuer()`.
            realm: the realm name.
            auth: the client authentication (see `OAuth2Client`).
            client_id: the client_id.
            client_secret: the client secret (client_secret_post; Keycloak also accepts client_secret_basic).
            private_key: the client private key, for private_key_jwt ("Signed JWT" in Keycloak).
            session: the `requests.Session` to use.
            **kwargs: other parameters of `OAuth2Client.from_discovery_endpoint()` (`testing=True` allows a
                local Keycloak over http).

        Returns:
            the configured client.

        Raises:
            ValueError: if the server URL or the realm is invalid.
        """
        return OAuth2Client.from_discovery_endpoint(
            issuer=cls.issuer(server_url, realm),
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            session=session,
            **kwargs,
        )
