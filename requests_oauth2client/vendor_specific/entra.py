"""Microsoft Entra ID (formerly Azure AD): an `OAuth2Client` for a tenant, from the tenant's v2.0 metadata."""

from __future__ import annotations

import re
from typing import Any

import requests
from jwskate import Jwk

from requests_oauth2client.client import OAuth2Client

__all__ = ["Entra"]

_TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)

# The tenant ID that Microsoft uses for personal Microsoft accounts: the issuer of the `consumers` metadata.
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

# Aliases whose metadata names the template issuer `https://login.microsoftonline.com/{tenantid}/v2.0`.
_MULTI_TENANT_ALIASES = ("common", "organizations")

_LOGIN = "https://login.microsoftonline.com"


class Entra:
    """Create clients for a Microsoft Entra ID tenant, with the Microsoft identity platform (v2.0) endpoints.

    The issuer of a tenant is `https://login.microsoftonline.com/<tenant ID>/v2.0`, the tenant ID being a GUID.
    The multi-tenant aliases `common` and `organizations` have no issuer of their own: their metadata names
    `https://login.microsoftonline.com/{tenantid}/v2.0`, a template that no ID Token carries, so a client for one
    of them could not validate any ID Token. `Entra` refuses them and asks for the tenant ID. `consumers`
    (personal Microsoft accounts) is accepted: its metadata names the tenant ID of personal accounts,
    `9188040d-6c67-4c5b-b112-36a304b66dad`, in its issuer.

    Example:
        ```python
        client = Entra.client("aaaabbbb-0000-cccc-1111-dddd2222eeee", client_id="...", client_secret="...")
        token = client.client_credentials(scope="https://graph.microsoft.com/.default")
        ```
    """

    @classmethod
    def issuer(cls, tenant_id: str) -> str:
        """Return the v2.0 issuer identifier of an Entra ID tenant.

        Args:
            tenant_id: the tenant ID, a GUID (the "Tenant ID" on the Overview page of the tenant in the Microsoft
                Entra admin center); it is lowercased, as Entra writes it. Or `consumers`, for personal Microsoft
                accounts.

        Returns:
            `https://login.microsoftonline.com/<tenant_id>/v2.0`.

        Raises:
            ValueError: if `tenant_id` is not a GUID nor `consumers` (`common` and `organizations` are refused).

        Example:
            >>> Entra.issuer("AAAABBBB-0000-CCCC-1111-DDDD2222EEEE")
            'https://login.microsoftonline.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0'
            >>> Entra.issuer("consumers")
            'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0'
        """
        return f"{_LOGIN}/{cls._tenant_id(tenant_id)}/v2.0"

    @staticmethod
    def _tenant_id(tenant_id: str) -> str:
        """The tenant ID in the issuer of `tenant_id`; see `issuer()`."""
        if not isinstance(tenant_id, str):
            tenant_id = repr(tenant_id)
        if tenant_id.lower() == "consumers":
            return CONSUMERS_TENANT_ID
        if tenant_id.lower() in _MULTI_TENANT_ALIASES:
            msg = (
                f"'{tenant_id}' is not a tenant: Entra's metadata for it names the issuer "
                f"'{_LOGIN}/{{tenantid}}/v2.0', a template that matches no ID Token. "
                "Give the tenant ID (a GUID) of the tenant whose users sign in."
            )
            raise ValueError(msg)
        if not _TENANT_ID.match(tenant_id):
            msg = (
                f"Invalid Entra tenant ID '{tenant_id}': it must be the tenant ID, a GUID like "
                "'aaaabbbb-0000-cccc-1111-dddd2222eeee' (shown on the Overview page of the Entra admin center)."
            )
            raise ValueError(msg)
        return tenant_id.lower()

    @classmethod
    def client(
        cls,
        tenant_id: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for an Entra ID tenant, from the tenant's v2.0 metadata.

        The metadata is fetched from `https://login.microsoftonline.com/<tenant_id>/v2.0/.well-known/
        openid-configuration`, its `issuer` must be the tenant's (see `issuer()`), and every endpoint it names is
        used (Entra publishes no revocation nor introspection endpoint; UserInfo is on Microsoft Graph).

        Args:
            tenant_id: the tenant ID, as accepted by `issuer()`.
            auth: the client authentication (see `OAuth2Client`).
            client_id: the application (client) ID.
            client_secret: a client secret of the application (client_secret_post).
            session: the `requests.Session` to use.
            **kwargs: other parameters of `OAuth2Client.from_discovery_endpoint()`.

        Returns:
            the configured client.

        Raises:
            ValueError: if `tenant_id` is not a tenant ID.
        """
        tenant = cls._tenant_id(tenant_id)
        # the metadata of personal accounts is published under `consumers`, and names their tenant ID as issuer
        url_tenant = "consumers" if tenant_id.lower() == "consumers" else tenant
        return OAuth2Client.from_discovery_endpoint(
            f"{_LOGIN}/{url_tenant}/v2.0/.well-known/openid-configuration",
            issuer=f"{_LOGIN}/{tenant}/v2.0",
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            session=session,
            **kwargs,
        )
