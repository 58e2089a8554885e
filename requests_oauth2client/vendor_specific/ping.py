"""PingFederate (https://www.pingidentity.com): an `OAuth2Client` with the default PingFederate endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from jwskate import Jwk

from requests_oauth2client.client import OAuth2Client

__all__ = ["Ping"]


class Ping:
    """Create clients for a PingFederate server.

    Example:
        ```python
        client = Ping.client("ping.example.com", client_id="client_id", client_secret="client_secret")
        token = client.client_credentials(scope="myscope")
        ```
    """

    @classmethod
    def client(
        cls,
        issuer: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_jwk: Jwk | dict[str, Any] | None = None,
        session: requests.Session | None = None,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for a PingFederate server, with its default endpoint paths.

        Endpoints: authorization `/as/authorization.oauth2`, token `/as/token.oauth2`, revocation
        `/as/revoke_token.oauth2`, introspection `/as/introspect.oauth2`, userinfo `/idp/userinfo.openid`,
        device authorization `/as/device_authz.oauth2`, registration `/as/clients.oauth2` and keys at `/pf/JWKS`.
        The session management and end session endpoints are in `extra_metadata`. The client's `issuer` is left
        unset.

        Args:
            issuer: the server URL (`https://` is added to a bare domain name).
            auth: the client authentication (see `OAuth2Client`).
            client_id: the client_id.
            client_secret: the client secret (client_secret_post).
            private_jwk: the client private key: the client authenticates with private_key_jwt.
            session: the `requests.Session` to use.

        Returns:
            the configured client.

        Raises:
            ValueError: if `issuer` uses a scheme other than https, or its host is not a domain name.
        """
        if not isinstance(issuer, str) or not issuer:
            msg = "You must specify the PingFederate server URL."
            raise ValueError(msg)
        if "://" not in issuer:
            issuer = f"https://{issuer}"
        try:
            parts = urlsplit(issuer)
            host = parts.hostname
        except ValueError as exc:
            msg = f"Invalid PingFederate server URL '{issuer}'."
            raise ValueError(msg) from exc
        if parts.scheme.lower() != "https":
            msg = f"Invalid PingFederate server URL '{issuer}': it must use https."
            raise ValueError(msg)
        if not host or "." not in host:
            msg = f"Invalid PingFederate server URL '{issuer}': its host must be a domain name."
            raise ValueError(msg)
        base = issuer.rstrip("/")
        return OAuth2Client(
            token_endpoint=f"{base}/as/token.oauth2",
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_jwk,
            session=session,
            authorization_endpoint=f"{base}/as/authorization.oauth2",
            revocation_endpoint=f"{base}/as/revoke_token.oauth2",
            userinfo_endpoint=f"{base}/idp/userinfo.openid",
            introspection_endpoint=f"{base}/as/introspect.oauth2",
            jwks_uri=f"{base}/pf/JWKS",
            device_authorization_endpoint=f"{base}/as/device_authz.oauth2",
            registration_endpoint=f"{base}/as/clients.oauth2",
            ping_revoked_sris_endpoint=f"{base}/pf-ws/rest/sessionMgmt/revokedSris",
            ping_session_management_sris_endpoint=f"{base}/pf-ws/rest/sessionMgmt/sessions",
            ping_session_management_users_endpoint=f"{base}/pf-ws/rest/sessionMgmt/users",
            ping_end_session_endpoint=f"{base}/idp/startSLO.ping",
        )
