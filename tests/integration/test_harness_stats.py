"""Token request counts at the test server (`GET/DELETE /harness/stats`) and the short-lived rotating client.

What tests of shared token stores need: count token requests per client and grant, and a client whose access
tokens live 2 seconds and whose refresh tokens rotate on every use. Requests only.
"""

from __future__ import annotations

import requests

from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT, password_grant


def refresh(h: Harness, client_id: str, refresh_token: str) -> requests.Response:
    return requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(client_id, h.client_secret(client_id)),
        timeout=TIMEOUT,
    )


def test_rotating_short_ttl_client_and_stats(as_server: Harness) -> None:
    h = as_server
    client_id = h.rotating_client_id
    entry = h.clients[client_id]
    assert entry["access_token_ttl"] == 2
    assert entry["refresh_token_rotation"] is True
    h.reset_token_stats(client_id)
    assert h.token_stats(client_id) == {}

    first = password_grant(h, client_id, scope="openid api:read")
    assert first.status_code == 200, first.text
    assert first.json()["expires_in"] == 2
    rt1 = first.json()["refresh_token"]
    second = refresh(h, client_id, rt1)
    assert second.status_code == 200, second.text
    assert second.json()["expires_in"] == 2
    rt2 = second.json()["refresh_token"]
    assert rt2 != rt1  # rotated
    # reusing the rotated refresh token is refused, and (oidc-provider) revokes the whole grant
    reused = refresh(h, client_id, rt1)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert refresh(h, client_id, rt2).json()["error"] == "invalid_grant"

    assert h.token_stats(client_id) == {
        client_id: {
            "password": {"requests": 1, "issued": 1, "errors": {}},
            "refresh_token": {"requests": 3, "issued": 1, "errors": {"invalid_grant": 2}},
        }
    }
    # a client_credentials token of this client is short-lived too
    cc = requests.post(
        h.endpoint("token_endpoint"),
        data={"grant_type": "client_credentials"},
        auth=(client_id, h.client_secret(client_id)),
        timeout=TIMEOUT,
    )
    assert cc.json()["expires_in"] == 2
    assert h.token_stats(client_id)[client_id]["client_credentials"]["issued"] == 1


def test_stats_count_per_client_and_reset(as_server: Harness) -> None:
    h = as_server
    h.reset_token_stats("client-basic")
    h.reset_token_stats("client-post")
    token_url = h.endpoint("token_endpoint")
    for _ in range(3):
        ok = requests.post(
            token_url,
            data={"grant_type": "client_credentials"},
            auth=("client-basic", h.client_secret("client-basic")),
            timeout=TIMEOUT,
        )
        assert ok.status_code == 200
    bad = requests.post(
        token_url, data={"grant_type": "client_credentials"}, auth=("client-post", "wrong"), timeout=TIMEOUT
    )
    assert bad.status_code == 401
    stats = h.token_stats()
    assert stats["client-basic"]["client_credentials"] == {"requests": 3, "issued": 3, "errors": {}}
    assert stats["client-post"]["client_credentials"]["errors"] == {"invalid_client": 1}
    # filtered view, then a reset of one client leaves the other
    assert set(h.token_stats("client-basic")) == {"client-basic"}
    h.reset_token_stats("client-basic")
    stats = h.token_stats()
    assert "client-basic" not in stats
    assert "client-post" in stats
    # the stats endpoint is not part of the OAuth surface: other methods are refused
    assert requests.post(h.contract["stats_url"], timeout=TIMEOUT).status_code == 405
