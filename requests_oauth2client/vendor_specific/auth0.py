"""Auth0 (https://auth0.com): an `OAuth2Client` for a tenant, and an `ApiClient` for its Management API."""

from __future__ import annotations

from typing import Any

import requests
from jwskate import Jwk

from requests_oauth2client.api_client import ApiClient
from requests_oauth2client.auth import OAuth2ClientCredentialsAuth
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import PrivateKeyJwt
from requests_oauth2client.vendor_specific._hosts import host_name

__all__ = ["Auth0"]

# Region suffixes of tenant names that live under `auth0.com` (`mytenant.eu` is `mytenant.eu.auth0.com`).
_REGIONS = (".eu", ".us", ".au", ".jp")


class Auth0:
    """Create clients for an Auth0 tenant.

    Example:
        ```python
        a0client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")
        token = a0client.client_credentials(audience="audience")

        a0mgmt = Auth0.management_api_client("mytenant.eu", client_id="client_id", client_secret="client_secret")
        myusers = a0mgmt.get("users")
        ```
    """

    @classmethod
    def tenant(cls, tenant: str) -> str:
        """Return the full domain name of an Auth0 tenant.

        A bare tenant name (without a dot), or one that ends with a region (`.eu`, `.us`, `.au`, `.jp`), gets
        `.auth0.com` appended. Other names (custom domains) are kept. An `https://` prefix (and a trailing `/`)
        is removed.

        Args:
            tenant: the tenant name (`mytenant`), with a region (`mytenant.eu`), or a full domain name.

        Returns:
            the tenant domain name, e.g. `mytenant.eu.auth0.com`.

        Raises:
            ValueError: if the name is empty, uses a scheme other than https, or is not a valid domain name.

        Example:
            >>> Auth0.tenant("mytenant.eu")
            'mytenant.eu.auth0.com'
            >>> Auth0.tenant("login.example.com")
            'login.example.com'
        """
        tenant = host_name(tenant, "tenant name")
        if "." not in tenant or tenant.lower().endswith(_REGIONS):
            tenant = f"{tenant}.auth0.com"
        return tenant

    @classmethod
    def issuer(cls, tenant: str) -> str:
        """Return the issuer identifier of an Auth0 tenant, as Auth0 publishes it: `https://<tenant>/`.

        Auth0 puts this value, with its trailing `/`, in its metadata and in the `iss` of the ID Tokens it
        issues. Use it to build a client from the tenant's metadata, for sign-in with ID Tokens:
        `OAuth2Client.from_discovery_endpoint(issuer=Auth0.issuer("mytenant.eu"), ...)`. (The client made by
        `client()` keeps the issuer `https://<tenant>`, without `/`, for compatibility.)

        Args:
            tenant: the tenant name or domain name, as accepted by `tenant()`.

        Returns:
            the issuer, e.g. `https://mytenant.eu.auth0.com/`.

        Raises:
            ValueError: if the tenant is invalid.

        Example:
            >>> Auth0.issuer("mytenant.eu")
            'https://mytenant.eu.auth0.com/'
        """
        return f"https://{cls.tenant(tenant)}/"

    @classmethod
    def client(
        cls,
        tenant: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_jwk: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for an Auth0 tenant, without fetching its metadata.

        The issuer is `https://<tenant>`, with the endpoints `/oauth/token`, `/authorize`, `/oauth/revoke`,
        `/userinfo` and the keys at `/.well-known/jwks.json`. That issuer has no trailing `/`, while Auth0's ID
        Tokens carry `https://<tenant>/`: for sign-in (ID Tokens), build the client from the metadata with
        `OAuth2Client.from_discovery_endpoint(issuer=Auth0.issuer(tenant), ...)`. With `private_jwk`, client
        assertions have the audience Auth0 documents, `https://<tenant>/`.

        Args:
            tenant: the tenant name or domain name, as accepted by `tenant()`.
            auth: the client authentication (see `OAuth2Client`).
            client_id: the client_id.
            client_secret: the client secret (client_secret_post).
            private_jwk: the client private key: the client authenticates with private_key_jwt.
            session: the `requests.Session` to use.
            **kwargs: other `OAuth2Client` parameters.

        Returns:
            the configured client.

        Raises:
            ValueError: if the tenant is invalid.
        """
        issuer = f"https://{cls.tenant(tenant)}"
        if private_jwk is not None and auth is None and client_id is not None and client_secret is None:
            # Auth0 documents the tenant URL, with its trailing `/`, as the audience of client assertions
            auth = PrivateKeyJwt(client_id, private_jwk, aud=cls.issuer(tenant))
            client_id = private_jwk = None
        return OAuth2Client(
            token_endpoint=f"{issuer}/oauth/token",
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_jwk,
            session=session,
            authorization_endpoint=f"{issuer}/authorize",
            revocation_endpoint=f"{issuer}/oauth/revoke",
            userinfo_endpoint=f"{issuer}/userinfo",
            jwks_uri=f"{issuer}/.well-known/jwks.json",
            issuer=issuer,
            **kwargs,
        )

    @classmethod
    def management_api_client(
        cls,
        tenant: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_jwk: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> ApiClient:
        """Create an `ApiClient` for the Auth0 Management API of a tenant.

        Its base URL is `https://<tenant>/api/v2/`; access tokens are obtained with the Client Credentials grant,
        with that URL as `audience`.

        Args:
            tenant: the tenant name or domain name, as accepted by `tenant()`.
            auth: the client authentication (see `OAuth2Client`).
            client_id: the client_id.
            client_secret: the client secret (client_secret_post).
            private_jwk: the client private key: the client authenticates with private_key_jwt.
            session: the `requests.Session` to use, for both the token requests and the API requests.
            **kwargs: other `ApiClient` parameters (e.g. `timeout`).

        Returns:
            the API client.

        Raises:
            ValueError: if the tenant is invalid.

        Example:
            ```python
            a0mgmt = Auth0.management_api_client("mytenant.eu", client_id="client_id", client_secret="secret")
            myusers = a0mgmt.get("users")
            ```
        """
        tenant = cls.tenant(tenant)
        client = cls.client(
            tenant,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_jwk=private_jwk,
            session=session,
        )
        audience = f"https://{tenant}/api/v2/"
        api_auth = OAuth2ClientCredentialsAuth(client, audience=audience)
        return ApiClient(audience, auth=api_auth, session=session, **kwargs)
