"""The AS public keys of `OAuth2Client` (`_client.keys`), with mocked HTTP: a fetch replaces the key set in place,
a signature failing with a known `kid` fetches the keys again, and refreshes triggered by ID Tokens are rate-limited
(per client, across threads)."""

from __future__ import annotations

import copy
import pickle
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import requests_mock
from freezegun import freeze_time
from jwskate import Jwk, Jwt

from requests_oauth2client import InvalidParam, OAuth2Client
from requests_oauth2client._client.keys import RefreshCooldown
from requests_oauth2client.tokens import (
    BearerToken,
    IdTokenSigningKeyNotFound,
    InvalidIdTokenSignature,
)

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
JWKS = f"{AS}/jwks"
CLIENT_ID = "client-id"


def make_client(**kwargs: Any) -> OAuth2Client:
    kwargs.setdefault("id_token_signed_response_alg", "ES256")
    return OAuth2Client(TOKEN, (CLIENT_ID, "secret"), jwks_uri=JWKS, issuer=AS, **kwargs)


def jwks_document(*keys: Jwk) -> dict[str, Any]:
    return {"keys": [key.public_jwk().to_dict() for key in keys]}


def id_token(key: Jwk, **claims: Any) -> str:
    now = int(datetime.now(tz=timezone.utc).timestamp())
    base = {"iss": AS, "aud": CLIENT_ID, "sub": "user", "iat": now, "exp": now + 60, **claims}
    return str(Jwt.sign(base, key))


def validate(client: OAuth2Client, raw: str) -> BearerToken:
    return BearerToken("at", id_token=raw).validate_id_token(client)


# ------------------------------------------------------------------------------------- a fetch replaces the keys


def test_fetch_replaces_the_keys_in_place(requests_mock: requests_mock.Mocker) -> None:
    removed, kept = Jwk.generate(alg="ES256", kid="removed"), Jwk.generate(alg="ES256", kid="kept")
    client = make_client(authorization_server_jwks=jwks_document(removed, kept))
    held = client.authorization_server_jwks  # a reference taken before the fetch
    requests_mock.get(JWKS, json=jwks_document(kept))
    assert client.update_authorization_server_public_keys() is held
    assert client.authorization_server_jwks is held
    assert [key.kid for key in held.jwks] == ["kept"]  # the key the AS removed is gone, nothing is duplicated


def test_a_key_the_as_removed_is_no_longer_trusted(requests_mock: requests_mock.Mocker) -> None:
    """After a compromise, the AS drops a key: tokens signed with it are refused once the keys are fetched again."""
    compromised, current = Jwk.generate(alg="ES256", kid="compromised"), Jwk.generate(alg="ES256", kid="current")
    client = make_client()
    requests_mock.get(JWKS, json=jwks_document(compromised, current))
    client.update_authorization_server_public_keys()
    requests_mock.get(JWKS, json=jwks_document(current))
    client.update_authorization_server_public_keys()
    with pytest.raises(IdTokenSigningKeyNotFound):
        validate(client, id_token(compromised))
    assert validate(client, id_token(current)).id_token is not None


def test_a_key_rotated_under_the_same_kid_works(requests_mock: requests_mock.Mocker) -> None:
    """The AS replaces the key `k1` with a new key also named `k1`: the fetch brings it, alone."""
    old, new = Jwk.generate(alg="ES256", kid="k1"), Jwk.generate(alg="ES256", kid="k1")
    client = make_client(authorization_server_jwks=jwks_document(old))
    requests_mock.get(JWKS, json=jwks_document(new))
    client.update_authorization_server_public_keys()
    assert len(client.authorization_server_jwks) == 1
    assert validate(client, id_token(new)).id_token is not None
    client.update_authorization_server_public_keys()  # fetching the same keys again changes nothing
    assert validate(client, id_token(new)).id_token is not None


def test_signature_failing_with_a_known_kid_fetches_the_keys_again(requests_mock: requests_mock.Mocker) -> None:
    """Validation itself follows a rotation under the same kid: one fetch, then the token is checked again."""
    old, new = Jwk.generate(alg="ES256", kid="k1"), Jwk.generate(alg="ES256", kid="k1")
    client = make_client(authorization_server_jwks=jwks_document(old))
    requests_mock.get(JWKS, json=jwks_document(new))
    token = validate(client, id_token(new))
    assert token.id_token is not None
    assert requests_mock.call_count == 1
    assert [key.thumbprint() for key in client.authorization_server_jwks.jwks] == [new.thumbprint()]


def test_forged_signature_with_a_known_kid_is_refused_after_one_fetch(requests_mock: requests_mock.Mocker) -> None:
    key = Jwk.generate(alg="ES256", kid="k1")
    client = make_client(authorization_server_jwks=jwks_document(key))
    requests_mock.get(JWKS, json=jwks_document(key))
    with pytest.raises(InvalidIdTokenSignature):
        validate(client, id_token(Jwk.generate(alg="ES256", kid="k1")))
    assert requests_mock.call_count == 1


def test_jwks_given_to_the_constructor_then_fetched_again(requests_mock: requests_mock.Mocker) -> None:
    """`authorization_server_jwks=` and a fetch of the same keys: no duplicate kid, tokens still validate."""
    key = Jwk.generate(alg="ES256", kid="k1")
    client = make_client(authorization_server_jwks=jwks_document(key))
    requests_mock.get(JWKS, json=jwks_document(key))
    client.update_authorization_server_public_keys()
    client.update_authorization_server_public_keys()
    assert len(client.authorization_server_jwks) == 1
    assert validate(client, id_token(key)).id_token is not None


def test_context_manager_fetch_replaces_too(requests_mock: requests_mock.Mocker) -> None:
    old, new = Jwk.generate(alg="ES256", kid="old"), Jwk.generate(alg="ES256", kid="new")
    client = make_client(authorization_server_jwks=jwks_document(old))
    requests_mock.get(JWKS, json=jwks_document(new))
    with client:
        assert [key.kid for key in client.authorization_server_jwks.jwks] == ["new"]


# ------------------------------------------------------------------------------------ refreshes are rate-limited


def test_unknown_kids_cause_one_fetch_per_cooldown(requests_mock: requests_mock.Mocker) -> None:
    """8 ID Tokens with unknown kids: 1 JWKS download, not 8."""
    client = make_client()
    requests_mock.get(JWKS, json=jwks_document(Jwk.generate(alg="ES256", kid="known")))
    for number in range(8):
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(client, id_token(Jwk.generate(alg="ES256", kid=f"unknown-{number}")))
    assert requests_mock.call_count == 1


def test_forged_signatures_cause_one_fetch_per_cooldown(requests_mock: requests_mock.Mocker) -> None:
    key = Jwk.generate(alg="ES256", kid="k1")
    client = make_client(authorization_server_jwks=jwks_document(key))
    requests_mock.get(JWKS, json=jwks_document(key))
    for _ in range(5):
        with pytest.raises(InvalidIdTokenSignature):
            validate(client, id_token(Jwk.generate(alg="ES256", kid="k1")))
    assert requests_mock.call_count == 1


def test_a_failed_fetch_counts_too(requests_mock: requests_mock.Mocker) -> None:
    client = make_client()
    requests_mock.get(JWKS, status_code=503)
    for _ in range(4):
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(client, id_token(Jwk.generate(alg="ES256", kid="x")))
    assert requests_mock.call_count == 1


def test_a_new_fetch_after_the_cooldown(requests_mock: requests_mock.Mocker) -> None:
    rotated = Jwk.generate(alg="ES256", kid="rotated")
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with freeze_time(start) as frozen:
        client = make_client(jwks_refresh_cooldown=30)
        requests_mock.get(JWKS, json={"keys": []})
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(client, id_token(rotated))
        requests_mock.get(JWKS, json=jwks_document(rotated))
        frozen.move_to(start + timedelta(seconds=29))
        with pytest.raises(IdTokenSigningKeyNotFound):  # still within the cool-down: not fetched
            validate(client, id_token(rotated))
        assert requests_mock.call_count == 1
        frozen.move_to(start + timedelta(seconds=31))
        assert validate(client, id_token(rotated)).id_token is not None
        assert requests_mock.call_count == 2


def test_cooldown_zero_fetches_every_time(requests_mock: requests_mock.Mocker) -> None:
    client = make_client(jwks_refresh_cooldown=0)
    requests_mock.get(JWKS, json={"keys": []})
    for _ in range(3):
        with pytest.raises(IdTokenSigningKeyNotFound):
            validate(client, id_token(Jwk.generate(alg="ES256", kid="x")))
    assert requests_mock.call_count == 3


def test_explicit_updates_are_never_rate_limited(requests_mock: requests_mock.Mocker) -> None:
    client = make_client()
    requests_mock.get(JWKS, json={"keys": []})
    for _ in range(3):
        client.update_authorization_server_public_keys()
    client.refresh_authorization_server_public_keys()
    client.refresh_authorization_server_public_keys()
    assert requests_mock.call_count == 4


def test_threads_with_the_same_unknown_kid_cause_one_fetch(requests_mock: requests_mock.Mocker) -> None:
    """N threads validating tokens signed by a just-rotated key: one download, and every thread accepts its token."""
    rotated = Jwk.generate(alg="ES256", kid="rotated")
    client = make_client()
    requests_mock.get(JWKS, json=jwks_document(rotated))
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def worker() -> None:
        raw = id_token(rotated)
        barrier.wait()
        try:
            outcomes.append(validate(client, raw).id_token)
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert requests_mock.call_count == 1
    assert len(outcomes) == 8
    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes


def test_cooldown_setting(requests_mock: requests_mock.Mocker) -> None:
    assert make_client().jwks_refresh_cooldown == 60
    assert make_client(jwks_refresh_cooldown=5).jwks_refresh_cooldown == 5
    assert "jwks_refresh_cooldown" not in make_client(jwks_refresh_cooldown=5).extra_metadata
    for wrong in (-1, "60", None, True, float("nan")):
        with pytest.raises(InvalidParam):
            make_client(jwks_refresh_cooldown=wrong)
    requests_mock.get(f"{AS}/.well-known/openid-configuration", json={"issuer": AS, "token_endpoint": TOKEN})
    discovered = OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c", jwks_refresh_cooldown=2.5)
    assert discovered.jwks_refresh_cooldown == 2.5
    document = {"issuer": AS, "token_endpoint": TOKEN}
    assert (
        OAuth2Client.from_discovery_document(document, client_id="c", jwks_refresh_cooldown=1).jwks_refresh_cooldown
        == 1
    )


def test_each_client_has_its_own_cooldown(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.get(JWKS, json={"keys": []})
    session = requests.Session()
    first, second = make_client(session=session), make_client(session=session)
    first.refresh_authorization_server_public_keys()
    second.refresh_authorization_server_public_keys()
    assert requests_mock.call_count == 2
    assert first == second  # the cool-down state is not part of the configuration


def test_cooldown_state_is_not_pickled() -> None:
    cooldown = RefreshCooldown()
    assert cooldown.run(lambda: "ran", cooldown=60) == "ran"
    assert cooldown.run(lambda: "ran", cooldown=60) is None
    restored = pickle.loads(pickle.dumps(cooldown))  # noqa: S301 - our own data
    assert restored.run(lambda: "ran", cooldown=60) == "ran"
    assert copy.deepcopy(cooldown).run(lambda: "ran", cooldown=60) == "ran"
