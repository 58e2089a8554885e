"""The contract file (`harness.json`) describes every client, key, certificate and URL tests need."""

from __future__ import annotations

from pathlib import Path

from tests.integration.harness import Harness

NEW_CLIENTS = {
    "client-short-ttl-rotating": "client_secret_basic",
    "client-backchannel-logout": "client_secret_basic",
    "client-jwt-responses": "client_secret_basic",
    "client-encrypted": "private_key_jwt",
    "client-fapi2": "private_key_jwt",
}
TLS_CLIENTS = {
    "client-tls": "tls_client_auth",
    "client-fapi2-mtls": "tls_client_auth",
    "client-self-signed-tls": "self_signed_tls_client_auth",
}


def test_contract_of_the_default_server(as_server: Harness) -> None:
    h = as_server
    for client_id, method in NEW_CLIENTS.items():
        assert h.clients[client_id]["token_endpoint_auth_method"] == method, client_id
        assert "jwks" not in h.clients[client_id]
    assert not set(TLS_CLIENTS) & set(h.clients)  # mTLS exists on the TLS instance only
    assert h.contract["tls"] is None
    for client_id in ("client-private-key-jwt", "client-encrypted", "client-fapi2"):
        jwks = h.client_private_jwks(client_id)
        assert jwks["keys"]
        assert all("d" in k for k in jwks["keys"]), client_id
        assert Path(h.clients[client_id]["private_jwks_file"]).is_file()
    assert h.client_private_jwks("client-private-key-jwt") == h.private_jwks()
    assert {k["use"] for k in h.client_private_jwks("client-encrypted")["keys"]} == {"sig", "enc"}
    assert {k["alg"] for k in h.client_private_jwks("client-fapi2")["keys"]} == {"ES256", "PS256"}
    server_enc = [k for k in h.server_jwks()["keys"] if k.get("use") == "enc"]
    assert {k["kid"] for k in server_enc} == set(h.contract["server_encryption_kids"])
    assert all("d" not in k for k in server_enc)
    assert h.clients["client-backchannel-logout"]["backchannel_logout_uri"] == h.contract["backchannel_logout_uri"]
    assert h.contract["fapi2_clients"] == ["client-fapi2"]
    assert h.contract["stats_url"] == h.issuer + "/harness/stats"
    assert h.protected_resource["step_up_url"] == h.issuer + "/api/step-up/resource"


def test_contract_of_the_tls_server(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    for client_id, method in TLS_CLIENTS.items():
        assert h.clients[client_id]["token_endpoint_auth_method"] == method, client_id
        assert h.clients[client_id]["tls_client_certificate_bound_access_tokens"] is True
    assert h.clients["client-tls"]["tls_client_auth_subject_dn"] == h.tls.client_tls.subject_dn
    tls = h.contract["tls"]
    assert Path(tls["ca_file"]) == h.tls.ca_file
    assert tls["mtls_origin"].startswith("https://127.0.0.1:")
    assert h.mtls_resource_url == tls["mtls_origin"] + "/api/resource"
    assert set(h.contract["fapi2_clients"]) == {"client-fapi2", "client-fapi2-mtls"}
