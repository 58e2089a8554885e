"""Amazon Cognito user pools: an `OAuth2Client` for a user pool, from the pool's metadata."""

from __future__ import annotations

import re
from typing import Any

import requests
from jwskate import Jwk

from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.vendor_specific._hosts import host_name

__all__ = ["Cognito"]

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}\Z")
_USER_POOL_ID = re.compile(r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})_[0-9A-Za-z]+\Z")


class Cognito:
    """Create clients for an Amazon Cognito user pool.

    A user pool is identified by an issuer on the `cognito-idp` service host,
    `https://cognito-idp.<region>.amazonaws.com/<user pool ID>`, which also serves its metadata and keys. Its
    OAuth endpoints (authorize, token, userInfo, revoke) are on another host: the *domain* of the user pool, a
    prefix domain (`<prefix>.auth.<region>.amazoncognito.com`) or a custom domain.

    Example:
        ```python
        client = Cognito.client("eu-west-1", "eu-west-1_AbCdEf123", domain="myapp", client_id="id", client_secret="s")
        token = client.client_credentials(scope="https://api.example.com/orders.read")
        ```
    """

    @classmethod
    def issuer(cls, region: str, user_pool_id: str) -> str:
        """Return the issuer identifier of a Cognito user pool.

        Args:
            region: the AWS region of the user pool (`eu-west-1`).
            user_pool_id: the user pool ID (`eu-west-1_AbCdEf123`); it starts with the region.

        Returns:
            `https://cognito-idp.<region>.amazonaws.com/<user_pool_id>`.

        Raises:
            ValueError: if the region or the user pool ID is invalid, or the user pool ID is not in that region.

        Example:
            >>> Cognito.issuer("eu-west-1", "eu-west-1_AbCdEf123")
            'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123'
        """
        if not isinstance(region, str) or not _REGION.match(region):
            msg = f"Invalid AWS region '{region}': it looks like 'eu-west-1'."
            raise ValueError(msg)
        match = _USER_POOL_ID.match(user_pool_id) if isinstance(user_pool_id, str) else None
        if match is None:
            msg = f"Invalid Cognito user pool ID '{user_pool_id}': it looks like '{region}_AbCdEf123'."
            raise ValueError(msg)
        if match.group("region") != region:
            msg = (
                f"The Cognito user pool '{user_pool_id}' is in the region '{match.group('region')}', not '{region}'"
                " (are the arguments swapped?)."
            )
            raise ValueError(msg)
        return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"

    @classmethod
    def domain(cls, region: str, domain: str) -> str:
        """Return the host name of a user pool domain.

        Args:
            region: the AWS region of the user pool.
            domain: the domain prefix (`myapp`), or a full domain name (`myapp.auth.eu-west-1.amazoncognito.com`,
                or a custom domain like `auth.example.com`), optionally as an `https://` URL.

        Returns:
            the host name: `<prefix>.auth.<region>.amazoncognito.com` for a prefix, else the domain itself.

        Raises:
            ValueError: if the domain is not a host name.

        Example:
            >>> Cognito.domain("eu-west-1", "myapp")
            'myapp.auth.eu-west-1.amazoncognito.com'
        """
        host = host_name(domain, "Cognito domain")
        return host if "." in host else f"{host}.auth.{region}.amazoncognito.com"

    @classmethod
    def client(
        cls,
        region: str,
        user_pool_id: str,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        *,
        domain: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Create an `OAuth2Client` for a Cognito user pool, from the metadata the pool publishes.

        The metadata is fetched from the issuer (see `issuer()`); it names the endpoints on the user pool domain
        when the pool has one. AWS documents a revocation endpoint, `https://<domain>/oauth2/revoke`, that the
        metadata does not always name: give `domain` to have it.

        Args:
            region: the AWS region of the user pool.
            user_pool_id: the user pool ID.
            auth: the client authentication (see `OAuth2Client`).
            domain: the user pool domain, as accepted by `domain()`, for the revocation endpoint.
            client_id: the app client ID.
            client_secret: the app client secret (client_secret_post; Cognito also accepts client_secret_basic).
            session: the `requests.Session` to use.
            **kwargs: other parameters of `OAuth2Client.from_discovery_endpoint()`.

        Returns:
            the configured client.

        Raises:
            ValueError: if the region, the user pool ID or the domain is invalid.
        """
        issuer = cls.issuer(region, user_pool_id)
        if domain is not None:
            kwargs.setdefault("revocation_endpoint", f"https://{cls.domain(region, domain)}/oauth2/revoke")
        return OAuth2Client.from_discovery_endpoint(
            issuer=issuer,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            session=session,
            **kwargs,
        )
