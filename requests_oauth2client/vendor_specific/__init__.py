"""Helpers that configure an `OAuth2Client` (or an `ApiClient`) for a specific Authorization Server product.

`Keycloak`, `Okta`, `Entra` and `Cognito` know the issuer of each product (`issuer()`) and build the client from
the metadata it publishes (`client()`). `Auth0` and `Ping` build the client from the product's fixed endpoints.
See the "Providers" page of the documentation for each product's issuer format, authentication and quirks.

Example:
    ```python
    from requests_oauth2client.vendor_specific import Auth0, Keycloak

    a0client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")
    token = a0client.client_credentials(audience="audience")

    kc_client = Keycloak.client("https://sso.example.com", "myrealm", client_id="client_id", client_secret="s")
    ```
"""

from __future__ import annotations

from requests_oauth2client.vendor_specific.auth0 import Auth0
from requests_oauth2client.vendor_specific.cognito import Cognito
from requests_oauth2client.vendor_specific.entra import Entra
from requests_oauth2client.vendor_specific.keycloak import Keycloak
from requests_oauth2client.vendor_specific.okta import Okta
from requests_oauth2client.vendor_specific.ping import Ping

__all__ = ["Auth0", "Cognito", "Entra", "Keycloak", "Okta", "Ping"]
