"""The base of the parts `OAuth2Client` is assembled from: what every part uses from the facade.

A part is a class of methods that `OAuth2Client` inherits (authorization requests, the token endpoint, token
management, device and CIBA, the AS keys). Each part sends its requests through `_http.transport`, so the client it
runs on is an `EndpointClient` (the one contract of "a client that can send to an endpoint"); a part also reads the
client's `client_id` and the URL of an endpoint, and declares (under `TYPE_CHECKING`) the other attributes it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from requests_oauth2client.enums import Endpoints
from requests_oauth2client.exceptions import MissingEndpointUri

if TYPE_CHECKING:
    from requests_oauth2client._http.transport import EndpointClient as _Client
else:
    _Client = object  # the contract is for type checkers; at run time, OAuth2Client provides it


class ClientPart(_Client):
    """What every part of `OAuth2Client` uses from the client; `OAuth2Client` provides it."""

    if TYPE_CHECKING:

        @property
        def client_id(self) -> str: ...

    def _endpoint(self, endpoint: Endpoints) -> str:
        """The URL of an endpoint of this client.

        Raises:
            MissingEndpointUri: when the client has none (before any request is sent).
        """
        url = getattr(self, endpoint, None)  # a `str` enum: its value is the name (`.value` costs more, per request)
        if not url:
            raise MissingEndpointUri(endpoint.value)
        return str(url)
