"""Helpers that configure an `OAuth2Client` (or an `ApiClient`) for a specific Authorization Server product.

Example:
    ```python
    from requests_oauth2client.vendor_specific import Auth0

    a0client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")
    token = a0client.client_credentials(audience="audience")
    ```
"""

from __future__ import annotations

from requests_oauth2client.vendor_specific.auth0 import Auth0
from requests_oauth2client.vendor_specific.ping import Ping

__all__ = ["Auth0", "Ping"]
