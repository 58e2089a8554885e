"""Auth handlers with a token store (`store=`): one token for all the handlers sharing the store, renewed once,
read only when needed; rotated refresh tokens written back; failures of the store never fail a request."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import requests_mock as rm
from freezegun import freeze_time
from jwskate import Jwk, Jwt

from requests_oauth2client import (
    BearerToken,
    FileTokenStore,
    InvalidGrant,
    MemoryTokenStore,
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2DeviceCodeAuth,
    OAuth2ResourceOwnerPasswordAuth,
    TokenStoreEntry,
    TokenStoreUnavailable,
    token_cache_key,
)
from requests_oauth2client._stores.lifetime import LIFETIME_MEMBER

API = "https://api.example.com/resource"
TOKEN_ENDPOINT = "https://as.example.com/token"
LOGGER = "requests_oauth2client"


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, ("client_id", "client_secret"))


class AuthorizationServer:
    """A token endpoint (through requests_mock): tokens at1, at2..., refresh tokens that rotate and are refused
    once used (`invalid_grant`), like an AS with refresh token rotation."""

    def __init__(self, requests_mock: rm.Mocker, *, expires_in: int = 600, refresh_tokens: bool = False) -> None:
        self.expires_in = expires_in
        self.refresh_tokens = refresh_tokens
        self.issued = 0
        self.refused = 0
        self.valid_refresh_tokens: set[str] = set()
        self.id_token: str | None = None
        self.mock = requests_mock
        requests_mock.post(TOKEN_ENDPOINT, json=self.answer)
        requests_mock.get(API, text="ok")

    def answer(self, request: Any, context: Any) -> dict[str, Any]:
        form = parse_qs(request.text)
        if form["grant_type"] == ["refresh_token"]:
            used = form["refresh_token"][0]
            if used not in self.valid_refresh_tokens:
                self.refused += 1
                context.status_code = 400
                return {"error": "invalid_grant"}
            self.valid_refresh_tokens.discard(used)
        self.issued += 1
        body: dict[str, Any] = {"access_token": f"at{self.issued}", "token_type": "Bearer"}
        body["expires_in"] = self.expires_in
        if self.refresh_tokens:
            body["refresh_token"] = f"rt{self.issued}"
            self.valid_refresh_tokens.add(body["refresh_token"])
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body

    def grants(self) -> list[str]:
        return [
            parse_qs(request.text)["grant_type"][0]
            for request in self.mock.request_history
            if request.url == TOKEN_ENDPOINT
        ]


class CountingStore(MemoryTokenStore):
    """A memory store that counts its operations, and can fail like a store that is down."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        self.down = False  # every operation fails
        self.fail_once: set[str] = set()  # the next call of these operations fails

    def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.down or name in self.fail_once:
            self.fail_once.discard(name)
            raise TokenStoreUnavailable("counting store", name, ConnectionError("down"))

    def get(self, key: str) -> BearerToken | None:
        self._call("get")
        return super().get(key)

    def set(self, key: str, token: BearerToken) -> None:
        self._call("set")
        super().set(key, token)

    def delete(self, key: str) -> None:
        self._call("delete")
        super().delete(key)

    def lock(self, key: str, *, timeout: float, ttl: float) -> AbstractContextManager[None]:
        self._call("lock")
        return super().lock(key, timeout=timeout, ttl=ttl)


def sent_with(auth: requests.auth.AuthBase) -> str:
    return str(requests.get(API, auth=auth).request.headers["Authorization"])


def id_token(sub: str) -> str:
    claims = {"iss": "https://as.example.com", "sub": sub, "aud": "client_id", "iat": 1, "exp": 2}
    return str(Jwt.sign(claims, Jwk.generate(alg="ES256"), alg="ES256"))


# ------------------------------------------------------------------------------------------------ sharing a token


def test_handlers_sharing_a_store_share_one_token_and_renew_it_once(
    requests_mock: rm.Mocker, client: OAuth2Client
) -> None:
    server = AuthorizationServer(requests_mock, expires_in=600)
    store = MemoryTokenStore()
    with freeze_time("2024-01-01 00:00:00") as frozen:
        handlers = [OAuth2ClientCredentialsAuth(client, scope="a b", store=store) for _ in range(3)]
        assert {sent_with(auth) for auth in handlers} == {"Bearer at1"}
        frozen.tick(590)
        assert {sent_with(auth) for auth in handlers} == {"Bearer at2"}
    assert server.grants() == ["client_credentials", "client_credentials"]
    # another scope is another token
    assert sent_with(OAuth2ClientCredentialsAuth(client, scope="a", store=store)) == "Bearer at3"


def test_the_store_is_read_only_when_the_token_needs_renewal(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    AuthorizationServer(requests_mock, expires_in=600)
    store = CountingStore()
    with freeze_time("2024-01-01 00:00:00") as frozen:
        auth = OAuth2ClientCredentialsAuth(client, store=store)
        for _ in range(50):
            sent_with(auth)
        # first use: read, lock, read again, write
        assert store.calls == {"get": 2, "lock": 1, "set": 1}
        frozen.tick(300)
        for _ in range(50):
            sent_with(auth)
        assert store.calls == {"get": 2, "lock": 1, "set": 1}
        frozen.tick(290)
        sent_with(auth)
    assert store.calls == {"get": 4, "lock": 2, "set": 2}


def test_a_token_renewed_by_another_process_is_used(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock, expires_in=600)
    store = MemoryTokenStore()
    seen: list[BearerToken] = []
    with freeze_time("2024-01-01 00:00:00") as frozen:
        here = OAuth2ClientCredentialsAuth(client, store=store, on_token=seen.append)
        elsewhere = OAuth2ClientCredentialsAuth(client, store=store)
        assert sent_with(here) == "Bearer at1"
        frozen.tick(590)
        assert sent_with(elsewhere) == "Bearer at2"
        assert sent_with(here) == "Bearer at2"  # read from the store: no token request
    assert server.grants() == ["client_credentials", "client_credentials"]
    assert [token.access_token for token in seen] == ["at1"]  # on_token: only the renewals this handler made


def test_a_stored_token_keeps_its_lifetime(requests_mock: rm.Mocker, client: OAuth2Client, tmp_path: Any) -> None:
    server = AuthorizationServer(requests_mock, expires_in=5)
    store = FileTokenStore(tmp_path / "tokens")
    with freeze_time("2024-01-01 00:00:00.700") as frozen:
        writer = OAuth2ClientCredentialsAuth(client, store=store)
        sent_with(writer)
        stored = store.get(token_cache_key(client, "client_credentials"))
        assert stored is not None
        # expiration dates are whole seconds: the token expires at 00:00:05, 4.3 s after it was received
        assert stored.kwargs[LIFETIME_MEMBER] == 4.3
        reader = OAuth2ClientCredentialsAuth(client, store=FileTokenStore(tmp_path / "tokens"))
        for _ in range(6):  # the reader uses the token for half its lifetime (until 2.85 s), like the writer
            assert sent_with(reader) == "Bearer at1"
            frozen.tick(0.4)
        assert reader.token == writer.token  # without the member
        assert sent_with(reader) == "Bearer at2"
    assert server.issued == 2


def test_forget_token_also_clears_the_store_entry(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock)
    store = MemoryTokenStore()
    auth = OAuth2ClientCredentialsAuth(client, scope="x", store=store)
    key = token_cache_key(client, "client_credentials", scope="x")
    sent_with(auth)
    assert store.get(key) is not None
    auth.forget_token()
    assert auth.token is None
    assert store.get(key) is None
    assert sent_with(OAuth2ClientCredentialsAuth(client, scope="x", store=store)) == "Bearer at2"
    assert server.issued == 2


def test_rotated_refresh_tokens_are_written_back(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock, refresh_tokens=True)
    server.valid_refresh_tokens.add("rt0")
    store = MemoryTokenStore()
    given = BearerToken("at0", expires_in=5, refresh_token="rt0")
    auth = OAuth2AccessTokenAuth(client, given, subject="alice", store=store)
    assert sent_with(auth) == "Bearer at1"
    stored = store.get(token_cache_key(client, "refresh_token", subject="alice"))
    assert stored is not None
    assert (stored.access_token, stored.refresh_token) == ("at1", "rt1")
    # a handler of another process, started without a token, finds it
    assert sent_with(OAuth2AccessTokenAuth(client, None, subject="alice", store=store)) == "Bearer at1"
    # and the token of another user is not that one
    with pytest.raises(NonRenewableTokenError):
        sent_with(OAuth2AccessTokenAuth(client, None, subject="bob", store=store))


def test_invalid_grant_because_another_process_rotated_gives_the_stored_token(
    requests_mock: rm.Mocker, client: OAuth2Client, caplog: pytest.LogCaptureFixture
) -> None:
    server = AuthorizationServer(requests_mock, expires_in=600, refresh_tokens=True)
    server.valid_refresh_tokens.add("rt0")
    store = CountingStore()
    seen: list[BearerToken] = []
    with freeze_time("2024-01-01 00:00:00") as frozen:
        old = BearerToken("at0", expires_in=600, refresh_token="rt0")
        here = OAuth2AccessTokenAuth(client, old, subject="alice", store=store, on_token=seen.append)
        elsewhere = OAuth2AccessTokenAuth(client, old, subject="alice", store=store)
        frozen.tick(590)
        assert sent_with(elsewhere) == "Bearer at1"  # rotated rt0 into rt1, stored
        # the store cannot be read when `here` renews (a network blip): it refreshes with rt0, already used...
        store.fail_once.add("get")
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            assert sent_with(here) == "Bearer at1"  # ...refused: the stored token is used
    assert server.grants() == ["refresh_token", "refresh_token"]
    assert server.refused == 1
    assert seen == []  # not a renewal of this handler


def test_invalid_grant_without_a_newer_stored_token_stands(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    AuthorizationServer(requests_mock, refresh_tokens=True)
    auth = OAuth2AccessTokenAuth(
        client, BearerToken("at0", expires_in=-1, refresh_token="revoked"), subject="alice", store=MemoryTokenStore()
    )
    with pytest.raises(InvalidGrant):
        sent_with(auth)


def test_invalid_grant_then_the_grant_again(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock, refresh_tokens=True)
    auth = OAuth2ResourceOwnerPasswordAuth(
        client,
        username="u",
        password="p",
        token=BearerToken("at0", expires_in=-1, refresh_token="revoked"),
        store=MemoryTokenStore(),
    )
    assert sent_with(auth) == "Bearer at1"
    assert server.grants() == ["refresh_token", "password"]


# ---------------------------------------------------------------------------------------------- store failures


def test_a_store_that_is_down_does_not_fail_requests(
    requests_mock: rm.Mocker, client: OAuth2Client, caplog: pytest.LogCaptureFixture
) -> None:
    server = AuthorizationServer(requests_mock, expires_in=10)
    store = CountingStore()
    store.down = True
    with freeze_time("2024-01-01 00:00:00") as frozen, caplog.at_level(logging.DEBUG, logger=LOGGER):
        auth = OAuth2ClientCredentialsAuth(client, store=store)
        for expected in ("at1", "at2", "at3"):
            assert sent_with(auth) == f"Bearer {expected}"
            assert sent_with(auth) == f"Bearer {expected}"
            frozen.tick(6)
        auth.forget_token()
        store.down = False
        assert sent_with(auth) == "Bearer at4"
    assert server.issued == 4
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1  # one per outage
    assert "counting store" in warnings[0]
    infos = [record.getMessage() for record in caplog.records if record.levelno == logging.INFO]
    assert any("works again" in message for message in infos)


# --------------------------------------------------------------------------------------- keys of user tokens


@pytest.mark.parametrize(
    "make",
    [
        lambda client, store: OAuth2AccessTokenAuth(client, "at", store=store),
        lambda client, store: OAuth2AuthorizationCodeAuth(client, None, store=store),
        lambda client, store: OAuth2DeviceCodeAuth(client, store=store),
    ],
)
def test_tokens_of_a_user_need_a_subject(client: OAuth2Client, make: Any) -> None:
    with pytest.raises(TypeError, match="subject="):
        make(client, MemoryTokenStore())


def test_the_subject_of_a_user_token_comes_from_its_id_token(client: OAuth2Client) -> None:
    token = BearerToken("at", id_token=id_token("alice"))
    auth = OAuth2AccessTokenAuth(client, token, store=MemoryTokenStore())
    assert auth.subject == "alice"


def test_the_code_exchange_takes_the_subject_from_the_id_token(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock, refresh_tokens=True)
    server.id_token = id_token("alice")
    store = MemoryTokenStore()
    auth = OAuth2AuthorizationCodeAuth(client, "code", validate=False, store=store)
    assert auth.subject is None
    assert sent_with(auth) == "Bearer at1"
    assert auth.subject == "alice"
    other = OAuth2AuthorizationCodeAuth(client, None, validate=False, subject="alice", store=store)
    assert sent_with(other) == "Bearer at1"
    assert server.grants() == ["authorization_code"]


def test_a_code_exchange_without_subject_nor_id_token_keeps_its_token(
    requests_mock: rm.Mocker, client: OAuth2Client, caplog: pytest.LogCaptureFixture
) -> None:
    AuthorizationServer(requests_mock)
    store = CountingStore()
    auth = OAuth2AuthorizationCodeAuth(client, "code", store=store)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert sent_with(auth) == "Bearer at1"
    assert "Pass subject=" in caplog.text
    assert store.calls == {}


def test_a_device_code_handler_reads_the_stored_token(
    requests_mock: rm.Mocker, client: OAuth2Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("requests_oauth2client.polling.time.sleep", lambda seconds: None)
    server = AuthorizationServer(requests_mock, refresh_tokens=True)
    store = MemoryTokenStore()
    first = OAuth2DeviceCodeAuth(client, "device-code", subject="cli-user", store=store)
    assert sent_with(first) == "Bearer at1"
    again = OAuth2DeviceCodeAuth(client, subject="cli-user", store=store)  # e.g. the next run of a CLI
    assert sent_with(again) == "Bearer at1"
    assert server.grants() == ["urn:ietf:params:oauth:grant-type:device_code"]
    with pytest.raises(NonRenewableTokenError):
        sent_with(OAuth2DeviceCodeAuth(client, subject="someone-else", store=store))


def test_a_store_entry_gives_the_key(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    AuthorizationServer(requests_mock)
    store = MemoryTokenStore()
    entry = TokenStoreEntry(store, "my-own-key", lock_timeout=1, lock_ttl=1)
    auth = OAuth2ClientCredentialsAuth(client, store=entry)
    sent_with(auth)
    assert store.get("my-own-key") is not None
    assert auth.store is entry


def test_store_must_be_a_store(client: OAuth2Client) -> None:
    with pytest.raises(TypeError, match="TokenStore"):
        OAuth2ClientCredentialsAuth(client, store="redis://localhost")  # type: ignore[arg-type]


def test_the_password_handler_key_holds_the_username(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock)
    store = MemoryTokenStore()
    alice = OAuth2ResourceOwnerPasswordAuth(client, username="alice", password="p", store=store)
    bob = OAuth2ResourceOwnerPasswordAuth(client, username="bob", password="p", store=store)
    assert (sent_with(alice), sent_with(bob)) == ("Bearer at1", "Bearer at2")
    assert server.grants() == ["password", "password"]


# ---------------------------------------------------------------------------------- explicit renewals, 401s


def test_renew_token_uses_a_token_another_process_renewed(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock)
    store = MemoryTokenStore()
    here = OAuth2ClientCredentialsAuth(client, store=store)
    elsewhere = OAuth2ClientCredentialsAuth(client, store=store)
    sent_with(here)
    sent_with(elsewhere)
    elsewhere.renew_token()
    here.renew_token()
    assert here.token == elsewhere.token
    assert server.issued == 2
    here.renew_token()  # nobody renewed meanwhile: a new token
    assert server.issued == 3


def test_a_401_invalid_token_renews_the_shared_token_once(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock)
    requests_mock.get(
        API,
        [
            {"status_code": 401, "headers": {"WWW-Authenticate": 'Bearer error="invalid_token"'}},
            {"text": "ok"},
            {"status_code": 401, "headers": {"WWW-Authenticate": 'Bearer error="invalid_token"'}},
            {"text": "ok"},
        ],
    )
    store = MemoryTokenStore()
    here = OAuth2ClientCredentialsAuth(client, store=store, renew_on_invalid_token=True)
    elsewhere = OAuth2ClientCredentialsAuth(client, store=store, renew_on_invalid_token=True)
    elsewhere.token = BearerToken("at1", expires_in=600)
    response = requests.get(API, auth=here)  # at1 refused: at2, shared
    assert response.status_code == 200
    assert response.request.headers["Authorization"] == "Bearer at2"
    response = requests.get(API, auth=elsewhere)  # at1 refused there too: at2 from the store, no token request
    assert response.status_code == 200
    assert response.request.headers["Authorization"] == "Bearer at2"
    assert server.issued == 2


# ------------------------------------------------------------------------------------------------------ threads


def test_threads_of_handlers_sharing_a_store_renew_once(requests_mock: rm.Mocker, client: OAuth2Client) -> None:
    server = AuthorizationServer(requests_mock, refresh_tokens=True)
    store = MemoryTokenStore()
    handlers = [OAuth2ClientCredentialsAuth(client, store=store) for _ in range(4)]
    barrier = threading.Barrier(16)
    headers: list[str] = []

    def work(auth: OAuth2ClientCredentialsAuth) -> None:
        barrier.wait()
        headers.append(sent_with(auth))

    threads = [threading.Thread(target=work, args=(handlers[n % 4],)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert headers == ["Bearer at1"] * 16
    assert server.issued == 1
