"""Token stores: the contract every store keeps (memory, file, real Redis), the file store's permissions and
atomic writes, and the stored form of tokens (serializer, encryption bound to the key, the DPoP key policy)."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jwskate import Jwk

from requests_oauth2client import (
    BearerToken,
    DPoPKey,
    DPoPToken,
    FileTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    TokenSerializer,
    TokenStore,
    TokenStoreError,
    TokenStoreLockTimeout,
    TokenStoreUnavailable,
)
from requests_oauth2client._stores import file_store as file_store_module
from requests_oauth2client.token_store import entry_lifetime

UTC = timezone.utc
STORES = ["memory", "file", "redis"]


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path, **kwargs: object) -> TokenStore:
    if kind == "memory":
        return MemoryTokenStore(**kwargs)  # type: ignore[arg-type]
    if kind == "file":
        return FileTokenStore(tmp_path / "tokens", **kwargs)  # type: ignore[arg-type]
    redis_url = request.getfixturevalue("redis_url")  # skips (or fails in CI) without redis-server
    return RedisTokenStore.from_url(redis_url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    return make_store(request.param, request, tmp_path)


@pytest.fixture(params=["file", "redis"])
def byte_store_kind(request: pytest.FixtureRequest) -> str:
    """The stores that keep serialized tokens."""
    return str(request.param)


def raw_values(store: TokenStore) -> list[bytes]:
    """Every value a file or Redis store holds, as bytes."""
    if isinstance(store, FileTokenStore):
        return [path.read_bytes() for path in store.directory.glob("*.json")]
    assert isinstance(store, RedisTokenStore)
    return [store.redis.get(name) for name in store.redis.keys(f"{store.prefix}token:*")]  # type: ignore[misc]


# ------------------------------------------------------------------------------------------- the contract


def test_every_store_is_a_token_store(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


def test_get_set_replace_delete(store: TokenStore) -> None:
    assert store.get("k") is None
    token = BearerToken("access-1", expires_in=600, scope="a b", refresh_token="refresh-1", extra="x")
    store.set("k", token)
    assert store.get("k") == token
    assert store.get("other") is None

    newer = BearerToken("access-2", expires_in=600, refresh_token="refresh-2")
    store.set("k", newer)
    assert store.get("k") == newer

    store.delete("k")
    assert store.get("k") is None
    store.delete("k")  # deleting a missing key is fine


def test_dpop_token_keeps_its_key(store: TokenStore) -> None:
    key = DPoPKey.generate(alg="ES256")
    token = DPoPToken("dpop-access", _dpop_key=key, expires_in=600, refresh_token="r")
    store.set("dpop", token)
    stored = store.get("dpop")
    assert isinstance(stored, DPoPToken)
    assert stored.access_token == "dpop-access"
    assert stored.dpop_key.private_key == key.private_key


def test_expired_token_without_refresh_token_is_dropped(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    for kind in STORES:
        store = make_store(kind, request, tmp_path / kind, expiry_margin=0.0)
        past = datetime.now(tz=UTC) - timedelta(seconds=30)
        store.set("expired", BearerToken("gone", expires_at=past))
        store.set("refreshable", BearerToken("old", expires_at=past, refresh_token="still-useful"))
        assert store.get("expired") is None, kind
        refreshable = store.get("refreshable")
        assert refreshable is not None, kind
        assert refreshable.refresh_token == "still-useful"


def test_lock_is_exclusive_and_times_out(store: TokenStore) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.lock("k", timeout=5, ttl=30):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(TokenStoreLockTimeout) as info, store.lock("k", timeout=0.05, ttl=30):
            pass
        assert info.value.key == "k"
        assert info.value.timeout == 0.05
        with store.lock("another key", timeout=0, ttl=30):
            pass  # locks of other keys are independent
    finally:
        release.set()
        holder.join(10)
    with store.lock("k", timeout=5, ttl=30):
        pass  # free again


def test_lock_is_released_when_the_body_raises(store: TokenStore) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.lock("k", timeout=1, ttl=30):
        raise RuntimeError("boom")
    with store.lock("k", timeout=0, ttl=30):
        pass


@pytest.mark.parametrize(("timeout", "ttl"), [(-1, 10), (1, 0), (1, -5), (float("nan"), 10)])
def test_lock_parameters_are_checked(store: TokenStore, timeout: float, ttl: float) -> None:
    with pytest.raises(ValueError, match="lock"), store.lock("k", timeout=timeout, ttl=ttl):
        pass


# -------------------------------------------------------------------------------------- entry lifetime


def test_entry_lifetime() -> None:
    now = 1_000_000.0
    expires_at = datetime.fromtimestamp(now + 100, tz=UTC)
    assert entry_lifetime(BearerToken("a", expires_at=expires_at), 60, now=now) == 160
    assert entry_lifetime(BearerToken("a", expires_at=expires_at - timedelta(hours=1)), 60, now=now) == 60
    assert entry_lifetime(BearerToken("a"), 60, now=now) is None  # no expiration
    assert entry_lifetime(BearerToken("a", expires_at=expires_at, refresh_token="r"), 60, now=now) is None


# ---------------------------------------------------------------------- stored form: serializer, encryption


def test_stored_values_are_serialized_tokens(
    byte_store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = make_store(byte_store_kind, request, tmp_path)
    token = BearerToken("visible-access-token", expires_in=600)
    store.set("k", token)
    [raw] = raw_values(store)
    serialized = json.loads(raw)["token"].encode() if isinstance(store, FileTokenStore) else raw
    assert TokenSerializer().loads(serialized) == token


def test_encrypted_store_holds_no_readable_token(
    byte_store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    key = Jwk.generate(alg="A256GCM")
    store = make_store(byte_store_kind, request, tmp_path, encryption_key=key)
    dpop_key = DPoPKey.generate(alg="ES256")
    store.set("bearer", BearerToken("secret-access-token", expires_in=600, refresh_token="secret-refresh-token"))
    store.set("dpop", DPoPToken("dpop-access-token", _dpop_key=dpop_key, expires_in=600))
    raws = raw_values(store)
    assert len(raws) == 2
    for raw in raws:
        for secret in (b"secret", b"dpop-access-token", dpop_key.private_key["d"].encode()):
            assert secret not in raw
    stored = store.get("dpop")
    assert isinstance(stored, DPoPToken)
    assert stored.dpop_key.private_key == dpop_key.private_key
    assert store.get("bearer") == BearerToken(
        "secret-access-token", expires_at=stored.expires_at, refresh_token="secret-refresh-token"
    )


def test_encrypted_entries_are_bound_to_their_key_and_store_key(
    byte_store_kind: str, request: pytest.FixtureRequest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = Jwk.generate(alg="A256GCM")
    store = make_store(byte_store_kind, request, tmp_path / "a", encryption_key=key)
    store.set("client-a", BearerToken("token-of-a", expires_in=600))

    # an entry copied under another key (as someone with write access to the store could do) is refused
    if isinstance(store, FileTokenStore):
        store._path("client-a", ".json").replace(store._path("client-b", ".json"))
    else:
        assert isinstance(store, RedisTokenStore)
        store.redis.rename(f"{store.prefix}token:client-a", f"{store.prefix}token:client-b")
    with caplog.at_level(logging.WARNING, logger="requests_oauth2client"):
        assert store.get("client-b") is None
    assert "encrypted for another key" in caplog.text
    assert "token-of-a" not in caplog.text

    # another encryption key cannot read the entries, and an unencrypted store does not accept them either
    store.set("client-a", BearerToken("token-of-a", expires_in=600))
    other = make_store(byte_store_kind, request, tmp_path / "a", encryption_key=Jwk.generate(alg="A256GCM"))
    plain = make_store(byte_store_kind, request, tmp_path / "a")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="requests_oauth2client"):
        assert other.get("client-a") is None
        assert plain.get("client-a") is None
    assert "does not decrypt" in caplog.text
    # and an encrypting store refuses clear-text entries (a planted token)
    plain.set("planted", BearerToken("planted-token", expires_in=600))
    assert store.get("planted") is None


def test_dpop_tokens_are_not_stored_when_told_so(
    byte_store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = make_store(byte_store_kind, request, tmp_path, store_dpop_keys=False)
    store.set("dpop", DPoPToken("dpop-access", _dpop_key=DPoPKey.generate(), expires_in=600))
    store.set("bearer", BearerToken("bearer-access", expires_in=600))
    assert store.get("dpop") is None
    assert len(raw_values(store)) == 1
    assert store.get("bearer") is not None
    # a DPoP token written by a store that keeps them is not read by one that does not
    make_store(byte_store_kind, request, tmp_path).set("dpop", DPoPToken("x", _dpop_key=DPoPKey.generate()))
    assert store.get("dpop") is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (Jwk.generate(alg="ES256"), "symmetric"),
        (Jwk.generate(alg="HS512"), "128, 192 or 256 bits"),
        ({**Jwk.generate(alg="A256GCM"), "alg": "A256KW"}, "'alg'"),
        ({"kty": "nope"}, "not a valid JWK"),
    ],
)
def test_unusable_encryption_keys_are_refused(tmp_path: Path, key: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        FileTokenStore(tmp_path / "tokens", encryption_key=key)  # type: ignore[arg-type]
    secret = key["k"] if isinstance(key, dict) and "k" in key else None
    assert secret is None or secret not in str(info.value)


@pytest.mark.parametrize("alg", [None, "dir", "A128GCM"])
def test_usable_encryption_keys(tmp_path: Path, alg: str | None) -> None:
    key = dict(Jwk.generate(alg="A128GCM"))
    key.pop("alg")
    if alg:
        key["alg"] = alg
    store = FileTokenStore(tmp_path / "tokens", encryption_key=key)
    store.set("k", BearerToken("a", expires_in=60))
    assert store.get("k") == BearerToken("a", expires_at=store.get("k").expires_at)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- file store


def test_file_store_creates_a_private_directory_and_private_files(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        store = FileTokenStore(tmp_path / "deep" / "tokens")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    store.set("k", BearerToken("a", expires_in=60))
    with store.lock("k", timeout=1, ttl=1):
        pass
    files = sorted(store.directory.iterdir())
    assert [path.suffix for path in files] == [".json", ".lock"]  # no temporary file left behind
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    assert "k" not in {path.stem for path in files}  # files are named after a hash of the key


def test_file_store_refuses_a_directory_others_can_write_to(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(TokenStoreError, match=r"writable by other users.*chmod 700"):
        FileTokenStore(shared)
    shared.chmod(0o750)
    FileTokenStore(shared)  # group-readable is the user's choice; not writable is what matters


def test_file_store_refuses_a_file(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(TokenStoreError, match="not a directory"):
        FileTokenStore(path)


def test_file_store_on_a_platform_without_fcntl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_store_module, "fcntl", None)
    with pytest.raises(TokenStoreError, match=r"POSIX file locks \(fcntl\).*RedisTokenStore"):
        FileTokenStore(tmp_path / "tokens")


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"v": 2, "keep_until": null, "token": "x"}',
        b'{"v": 1, "keep_until": null}',
        b'{"v": 1, "keep_until": "soon", "token": "x"}',
        b'{"v": 1, "keep_until": null, "token": "not-a-serialized-token"}',
    ],
)
def test_file_store_ignores_unreadable_entries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    store = FileTokenStore(tmp_path / "tokens")
    store._path("k", ".json").write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="requests_oauth2client"):
        assert store.get("k") is None
    assert "cannot be read" in caplog.text
    store.set("k", BearerToken("replaced", expires_in=60))  # the next renewal replaces it
    assert store.get("k") is not None


def test_file_store_reports_io_errors_as_unavailable(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens")
    store._path("k", ".json").mkdir()  # a directory where the entry file should be: reading it fails
    with pytest.raises(TokenStoreUnavailable, match="failed to read a token") as info:
        store.get("k")
    assert info.value.store == str(store.directory)
    with pytest.raises(TokenStoreUnavailable, match="failed to write a token"):
        store.set("k", BearerToken("a"))
    with pytest.raises(TokenStoreUnavailable, match="failed to delete a token"):
        store.delete("k")


def test_memory_and_file_store_reprs_show_no_token(tmp_path: Path) -> None:
    memory = MemoryTokenStore()
    memory.set("k", BearerToken("secret-access"))
    assert "secret-access" not in repr(memory)
    assert repr(FileTokenStore(tmp_path)) == f"FileTokenStore({str(tmp_path)!r})"


def test_file_store_lock_file_that_cannot_be_opened(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens")
    store._path("k", ".lock").mkdir()  # a directory cannot be opened for writing
    with pytest.raises(TokenStoreUnavailable, match="open a lock file"), store.lock("k", timeout=1, ttl=1):
        pass
