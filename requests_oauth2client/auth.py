"""`requests` auth handlers that obtain, cache and renew OAuth 2.0 access tokens.

Each handler holds an `OAuth2Client` and the current token. On each request it adds the token, after obtaining
a new one when there is none or when it needs renewal: with the refresh token when there is one, else by running
the grant again (client credentials, resource owner password), or once with the grant the handler was built for
(authorization code, device code).

A token needs renewal when it expires within `leeway` seconds (20 by default); for a token the handler obtained
itself, within `min(leeway, lifetime / 2)` seconds, `lifetime` being the `expires_in` it was issued with, so that
short-lived tokens are used rather than renewed before every request. A token given to a handler keeps the plain
rule.

Handlers can be shared between threads. Renewal is single-flight: when many threads find the token expired at
the same time, exactly one of them asks the Authorization Server for a new token while the others wait, then
they all use that new token. A new (rotated) refresh token is stored before any other thread can renew again,
so the old one is never reused. With a token store (`store=`), the same holds across processes and hosts: one
token request per expiry for the whole fleet (see `requests_oauth2client.token_store`).

`on_token=` is called with each new token a handler obtains, e.g. to keep a rotated refresh token.

Example:
    ```python
    import requests
    from requests_oauth2client import OAuth2Client, OAuth2ClientCredentialsAuth

    client = OAuth2Client("https://as.example/token", ("client_id", "client_secret"))
    session = requests.Session()
    session.auth = OAuth2ClientCredentialsAuth(client, scope="myscope", leeway=30)
    session.get("https://myapi.local/resource")
    ```
"""

from __future__ import annotations

from requests_oauth2client._auth.base import NonRenewableTokenError, OAuth2AccessTokenAuth
from requests_oauth2client._auth.exchanges import OAuth2AuthorizationCodeAuth, OAuth2DeviceCodeAuth
from requests_oauth2client._auth.grants import OAuth2ClientCredentialsAuth, OAuth2ResourceOwnerPasswordAuth

__all__ = [
    "NonRenewableTokenError",
    "OAuth2AccessTokenAuth",
    "OAuth2AuthorizationCodeAuth",
    "OAuth2ClientCredentialsAuth",
    "OAuth2DeviceCodeAuth",
    "OAuth2ResourceOwnerPasswordAuth",
]
