"""Auth0 (https://auth0.com): an `OAuth2Client` for a tenant, and an `ApiClient` for its Management API."""

from __future__ import annotations

import re
from typing import Any

import requests
from jwskate import Jwk

from requests_oauth2client.api_client import ApiClient
from requests_oauth2client.auth import OAuth2ClientCredentialsAuth
from requests_oauth2client.client import OAuth2Client

__all__ = ["Auth0"]

# A DNS host name: dot-separated labels of letters, digits and inner hyphens.
_HOST_NAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z",
    re.IGNORECASE | re.ASCII,
)

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
        if not isinstance(tenant, str) or not tenant:
            msg = "You must specify a tenant name."
            raise ValueError(msg)
        if "://" in tenant:
            scheme, _, tenant = tenant.partition("://")
            if scheme.lower() != "https":
                msg = f"Invalid tenant: Auth0 tenants are only reachable over https, not '{scheme}'."
                raise ValueError(msg)
        if tenant.endswith("/"):
            tenant = tenant[:-1]
        if not _HOST_NAME.match(tenant):
            msg = f"Invalid tenant '{tenant}': it must be a tenant name or a domain name."
            raise ValueError(msg)
        if "." not in tenant or tenant.lower().endswith(_REGIONS):
            tenant = f"{tenant}.auth0.com"
        return tenant

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
        """Create an `OAuth2Client` for an Auth0 tenant.

        The issuer is `https://<tenant>`, with the endpoints `/oauth/token`, `/authorize`, `/oauth/revoke`,
        `/userinfo` and the keys at `/.well-known/jwks.json`.

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
