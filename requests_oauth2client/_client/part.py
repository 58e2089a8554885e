"""The base of the parts `OAuth2Client` is assembled from (authorization, token management, device and CIBA)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

    from requests_oauth2client.enums import Endpoints
    from requests_oauth2client.exceptions import EndpointError


class ClientPart:
    """What every part of `OAuth2Client` uses from the client; `OAuth2Client` provides it."""

    if TYPE_CHECKING:

        @property
        def session(self) -> requests.Session: ...

        @property
        def auth(self) -> requests.auth.AuthBase: ...

        @property
        def client_id(self) -> str: ...

        @property
        def exception_classes(self) -> Mapping[str, type[EndpointError]]: ...

        def _endpoint(self, endpoint: Endpoints) -> str: ...
