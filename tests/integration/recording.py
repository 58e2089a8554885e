"""A library client whose session records the form body of every request it sends.

For tests that check what goes on the wire against the real server (the harness modules use `requests` only).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import requests

from requests_oauth2client import ClientSecretBasic, OAuth2Client
from tests.integration.harness import Harness

Bodies = list[dict[str, list[str]]]


def recording_client(as_server: Harness) -> tuple[OAuth2Client, Bodies]:
    """A `client-basic` OAuth2Client (from discovery), and the parsed form bodies of the requests it sends."""
    bodies: Bodies = []
    session = requests.Session()

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        body = response.request.body
        text = body.decode() if isinstance(body, bytes) else body or ""
        bodies.append(parse_qs(text, keep_blank_values=True))

    session.hooks["response"].append(record)
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        redirect_uri=as_server.redirect_uri,
        session=session,
        testing=True,
    )
    return client, bodies
