"""Benchmarks of requests_oauth2client, each figure measured against its floor in the same process and run.

Run with `make bench` (or `.venv/bin/python benchmarks/run.py [--write]`). Every figure is a ratio or a
difference against a floor measured right next to it (interleaved rounds, best of several), because on a shared
machine the same code can differ by 25% between processes. With `--write`, the results table replaces the one in
`docs/benchmarks.md`, with the machine, date and command.

Figures and targets:

| figure | floor | target |
|---|---|---|
| import time of the package | `import requests` alone (cold subprocesses, median) | +50 ms at most |
| per-request cost, fake transport: BearerToken, OAuth2ClientCredentialsAuth with a cached token | a Session with a one-line AuthBase that sets a static header | +5 µs at most |
| per-request cost, fake transport: ApiClient.get | same | +10 µs at most |
| private_key_jwt assertion, ES256 / RS256-2048 | a raw `cryptography` signature of the same payload | 1.5x / 1.15x at most |
| client_credentials token request over loopback (keep-alive) | `Session.post` of the same form | 1.03x at most |
| ID Token validation, RS256, every claim check | the same checks written by hand on `cryptography` | 2.5x at most |
| DPoP proof, ES256 | a minimal proof written by hand on `cryptography` | 2.5x at most |
| request through DPoPToken, fake transport | a request through BearerToken | 1.5x at most |
| renewal under concurrency: 32 threads, expired token, slow token endpoint | - | exactly 1 token request |
| per-request cost, fake transport: OAuth2ClientCredentialsAuth sharing its token through Redis (cached in-process) | the same handler without store | +5 µs at most |
| token requests per expiry: 4 processes x 4 threads sharing a Redis store, 2 s tokens, strict rotation, 8 s | - | exactly 1 |
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import bench_stores
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwskate import Jwk, JwkSet, Jwt

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    DPoPKey,
    DPoPToken,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PrivateKeyJwt,
)
from requests_oauth2client.id_token import validate_id_token

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DOC = ROOT / "docs" / "benchmarks.md"
START_MARK = "<!-- benchmark results start -->"
END_MARK = "<!-- benchmark results end -->"
URL = "https://api.example.com/resource"


def b64u(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64u_decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def best_per_call(fn: Callable[[], object], number: int, clock: Callable[[], float]) -> float:
    """Seconds per call of `fn`, over `number` calls."""
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def compare(
    fn: Callable[[], object],
    floor: Callable[[], object],
    number: int,
    rounds: int = 15,
    clock: Callable[[], float] = time.thread_time,
) -> tuple[float, float]:
    """Seconds per call of `fn` and of `floor`, measured in interleaved rounds.

    In-process figures use the CPU time of this thread (`time.thread_time`), which other processes on a shared
    machine disturb far less than wall-clock time; figures that involve another thread (a local server) pass
    `clock=time.perf_counter`.
    """
    fn()
    floor()
    fn_times, floor_times = [], []
    gc.collect()
    gc.disable()  # a collection landing in one side's round is noise, not cost
    try:
        for _ in range(rounds):
            floor_times.append(best_per_call(floor, number, clock))
            fn_times.append(best_per_call(fn, number, clock))
    finally:
        gc.enable()
    # the machine's speed drifts between rounds: compare each round with the floor measured right before it, and
    # keep the median of those paired ratios, applied to the best floor time
    ratio = statistics.median(f / b for f, b in zip(fn_times, floor_times, strict=True))
    return min(floor_times) * ratio, min(floor_times)


class Result:
    def __init__(self, figure: str, value: str, floor: str, measured: str, target: str, ok: bool) -> None:
        self.figure, self.value, self.floor, self.measured, self.target, self.ok = (
            figure,
            value,
            floor,
            measured,
            target,
            ok,
        )

    def row(self) -> str:
        return f"| {self.figure} | {self.value} | {self.floor} | {self.measured} | {self.target} | {'yes' if self.ok else 'NO'} |"


def ratio_result(figure: str, floor_name: str, fn_s: float, floor_s: float, target: float) -> Result:
    ratio = fn_s / floor_s
    return Result(
        figure,
        f"{fn_s * 1e6:.1f} µs",
        f"{floor_name}: {floor_s * 1e6:.1f} µs",
        f"{ratio:.2f}x",
        f"≤ {target}x",
        ratio <= target,
    )


def diff_result(figure: str, floor_name: str, fn_s: float, floor_s: float, target_us: float) -> Result:
    diff = (fn_s - floor_s) * 1e6
    return Result(
        figure,
        f"{fn_s * 1e6:.1f} µs",
        f"{floor_name}: {floor_s * 1e6:.1f} µs",
        f"+{diff:.1f} µs",
        f"≤ +{target_us:g} µs",
        diff <= target_us,
    )


# ------------------------------------------------------------------------------------------------- import time


def import_time() -> Result:
    def cold(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    base, lib = [], []
    for _ in range(15):
        base.append(cold("import requests"))
        lib.append(cold("import requests_oauth2client"))
    base_ms, lib_ms = statistics.median(base) * 1000, statistics.median(lib) * 1000
    return Result(
        "import requests_oauth2client",
        f"{lib_ms:.0f} ms",
        f"import requests: {base_ms:.0f} ms",
        f"+{lib_ms - base_ms:.0f} ms",
        "≤ +50 ms",
        lib_ms - base_ms <= 50,
    )


# ------------------------------------------------------------------------------------------ per-request costs


class FakeAdapter(requests.adapters.BaseAdapter):
    """A transport that answers 200 `{}` without any I/O."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.request = request
        response.url = request.url or ""
        response.connection = self
        return response

    def close(self) -> None:
        pass


class StaticHeaderAuth(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer static"
        return request


def fake_session() -> requests.Session:
    session = requests.Session()
    session.mount("https://", FakeAdapter())
    return session


def per_request_costs() -> list[Result]:
    number = 200
    floor_session = fake_session()
    floor_session.auth = StaticHeaderAuth()

    def floor() -> object:
        return floor_session.get(URL)

    for _ in range(5 * number):  # warm up (caches, allocator, CPU frequency) before the first comparison
        floor()
    results = []
    bearer_session = fake_session()
    bearer_session.auth = BearerToken("static", expires_in=3600)
    fn_s, floor_s = compare(lambda: bearer_session.get(URL), floor, number, rounds=41)
    results.append(diff_result("request with BearerToken", "static-header AuthBase", fn_s, floor_s, 5))

    client = OAuth2Client("https://as.example.com/token", ("client", "secret"))
    cc_auth = OAuth2ClientCredentialsAuth(client, token=BearerToken("static", expires_in=3600))
    cc_session = fake_session()
    cc_session.auth = cc_auth
    fn_s, floor_s = compare(lambda: cc_session.get(URL), floor, number, rounds=41)
    results.append(
        diff_result(
            "request with OAuth2ClientCredentialsAuth (cached token)", "static-header AuthBase", fn_s, floor_s, 5
        )
    )

    api = ApiClient("https://api.example.com", auth=cc_auth, session=fake_session())
    fn_s, floor_s = compare(lambda: api.get("resource"), floor, number, rounds=41)
    results.append(diff_result("ApiClient.get (cached token)", "static-header AuthBase", fn_s, floor_s, 10))

    dpop_session = fake_session()
    dpop_session.auth = DPoPToken("static", _dpop_key=DPoPKey.generate(), expires_in=3600)
    fn_s, floor_s = compare(lambda: dpop_session.get(URL), lambda: bearer_session.get(URL), 1000)
    results.append(ratio_result("request with DPoPToken (ES256 proof)", "BearerToken", fn_s, floor_s, 1.5))
    return results


# ------------------------------------------------------------------------------------------------ signatures


def assertion_signing() -> list[Result]:
    results = []
    for alg, target in (("ES256", 1.5), ("RS256", 1.15)):
        key = Jwk.generate(alg=alg, kid="k", **({"key_size": 2048} if alg == "RS256" else {}))
        auth = PrivateKeyJwt("client", key, aud="https://as.example.com")
        crypto_key = key.cryptography_key
        payload = json.dumps(
            {
                "iss": "client",
                "sub": "client",
                "aud": "https://as.example.com",
                "iat": 0,
                "exp": 60,
                "jti": str(uuid.uuid4()),
            },
            separators=(",", ":"),
        ).encode()
        signing_input = b64u(b'{"alg":"' + alg.encode() + b'","kid":"k"}') + b"." + b64u(payload)

        if alg == "ES256":

            def raw(signing_input: bytes = signing_input, crypto_key: Any = crypto_key) -> bytes:
                return crypto_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))  # type: ignore[no-any-return]
        else:

            def raw(signing_input: bytes = signing_input, crypto_key: Any = crypto_key) -> bytes:
                return crypto_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[no-any-return]

        fn_s, floor_s = compare(
            lambda auth=auth: auth.client_assertion("https://as.example.com/token"),
            raw,
            200 if alg == "RS256" else 2000,
        )
        results.append(
            ratio_result(f"private_key_jwt assertion {alg}", "raw cryptography signature", fn_s, floor_s, target)
        )
    return results


def dpop_proof() -> Result:
    key = DPoPKey.generate(alg="ES256")
    crypto_key = key.private_key.cryptography_key
    header = b64u(
        json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": dict(key.public_jwk)}, separators=(",", ":")).encode()
    )

    def hand_made() -> bytes:
        claims = {"jti": str(uuid.uuid4()), "htm": "GET", "htu": URL, "iat": int(time.time())}
        signing_input = header + b"." + b64u(json.dumps(claims, separators=(",", ":")).encode())
        r, s = decode_dss_signature(crypto_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return signing_input + b"." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    fn_s, floor_s = compare(lambda: key.proof(htm="GET", htu=URL), hand_made, 2000)
    return ratio_result("DPoP proof ES256", "hand-made proof on cryptography", fn_s, floor_s, 2.5)


# -------------------------------------------------------------------------------------------- ID Token checks


def id_token_validation() -> Result:
    key = Jwk.generate(alg="RS256", kid="k", key_size=2048)
    public = key.public_jwk()
    now = int(time.time())
    claims = {
        "iss": "https://as.example.com",
        "sub": "user",
        "aud": "client",
        "iat": now,
        "exp": now + 600,
        "nonce": "n",
        "auth_time": now - 10,
    }
    id_token = str(Jwt.sign(claims, key=key, alg="RS256"))
    # A client holds the Authorization Server keys as a JwkSet (`OAuth2Client.authorization_server_jwks`), built once.
    jwks = JwkSet({"keys": [public.to_dict()]})
    crypto_public = public.cryptography_key

    def hand_made() -> dict[str, Any]:
        header_b64, payload_b64, signature_b64 = id_token.split(".")
        header = json.loads(b64u_decode(header_b64))
        if header.get("alg") != "RS256" or header.get("kid") != "k":
            raise ValueError("alg/kid")
        try:
            crypto_public.verify(
                b64u_decode(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature as exc:
            raise ValueError("signature") from exc
        payload = json.loads(b64u_decode(payload_b64))
        t = time.time()
        aud = payload["aud"]
        auds = aud if isinstance(aud, list) else [aud]
        if (
            payload["iss"] != "https://as.example.com"
            or "client" not in auds
            or not payload.get("sub")
            or payload["exp"] < t
            or payload["iat"] > t + 60
            or payload["iat"] < t - 86400
            or payload.get("nonce") != "n"
            or payload["auth_time"] + 600 < t
        ):
            raise ValueError("claims")
        return payload  # type: ignore[no-any-return]

    def ours() -> object:
        return validate_id_token(
            id_token, client_id="client", issuer="https://as.example.com", jwks=jwks, nonce="n", max_age=600
        )

    fn_s, floor_s = compare(ours, hand_made, 500)
    return ratio_result("ID Token validation RS256", "hand-written checks on cryptography", fn_s, floor_s, 2.5)


# ---------------------------------------------------------------------------------------- loopback token request


class TokenHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # answer in one segment, right away: otherwise Nagle and delayed ACKs add ~40 ms to every keep-alive request
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    delay = 0.0
    count = 0
    lock = threading.Lock()
    body = json.dumps(
        {"access_token": "at-" + "x" * 40, "token_type": "Bearer", "expires_in": 3600, "scope": "a b"}
    ).encode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with TokenHandler.lock:
            TokenHandler.count += 1
        if self.delay:
            time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def local_token_server(delay: float = 0.0) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (TokenHandler,), {"delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/token"


def token_server_process() -> tuple[subprocess.Popen[str], str]:
    """Start the token server in another process, so that it does not share this process's GIL."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import run; "
        "server, url = run.local_token_server(); print(url, flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def token_request() -> Result:
    proc, url = token_server_process()
    try:
        client = OAuth2Client(url, ("client", "secret"), testing=True)
        session = requests.Session()
        form = {"grant_type": "client_credentials", "scope": "a b", "client_id": "client", "client_secret": "secret"}

        def floor() -> object:
            return session.post(url, data=form, headers={"Accept": "application/json"}, timeout=10).json()

        fn_s, floor_s = compare(lambda: client.client_credentials(scope="a b"), floor, 25, rounds=81)
        return ratio_result(
            "client_credentials over loopback (keep-alive)", "Session.post of the same form", fn_s, floor_s, 1.03
        )
    finally:
        proc.communicate(timeout=10)


def renewal_under_concurrency() -> Result:
    server, url = local_token_server(delay=0.1)
    TokenHandler.count = 0
    try:
        client = OAuth2Client(url, ("client", "secret"), testing=True)
        auth = OAuth2ClientCredentialsAuth(client, token=BearerToken("old", expires_in=-10))
        session = fake_session()
        session.auth = auth
        barrier = threading.Barrier(32)
        headers: list[str] = []

        def worker() -> None:
            barrier.wait()
            headers.append(session.get(URL).request.headers["Authorization"])

        threads = [threading.Thread(target=worker) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        count = TokenHandler.count
        fresh = all(h == f"Bearer at-{'x' * 40}" for h in headers) and len(headers) == 32
        return Result(
            "renewal: 32 threads, expired token, 100 ms token endpoint",
            f"{count} token request(s)",
            "-",
            f"all 32 requests carried the new token: {fresh}",
            "exactly 1",
            count == 1 and fresh,
        )
    finally:
        server.shutdown()


# ------------------------------------------------------------------------------------------------- token stores


def token_stores() -> list[Result]:
    if not bench_stores.redis_available():
        return [
            Result(figure, "skipped: no redis-server or redis-py", "-", "-", target, True)
            for figure, target in (
                ("request with OAuth2ClientCredentialsAuth + RedisTokenStore (cached token)", "≤ +5 µs"),
                ("token requests per expiry, 4 processes x 4 threads, Redis store", "exactly 1"),
            )
        ]
    return bench_stores.with_redis(lambda server: [store_fast_path(server.url), store_fleet(server.url)])


def store_fast_path(redis_url: str) -> Result:
    number = 200
    without_store, with_store = bench_stores.cached_token_handlers(redis_url)
    plain, shared = fake_session(), fake_session()
    plain.auth, shared.auth = without_store, with_store
    for _ in range(5 * number):
        plain.get(URL)
    fn_s, floor_s = compare(lambda: shared.get(URL), lambda: plain.get(URL), number, rounds=41)
    return diff_result(
        "request with OAuth2ClientCredentialsAuth + RedisTokenStore (cached token)",
        "the same handler without store",
        fn_s,
        floor_s,
        5,
    )


def store_fleet(redis_url: str) -> Result:
    seen = bench_stores.requests_per_expiry(redis_url)
    renewals, refused = seen["refreshes"] - seen["refused"], seen["refused"]
    per_expiry = seen["refreshes"] / renewals if renewals else float("inf")
    minimum = bench_stores.DURATION / bench_stores.LIFETIME  # a token lives 2 s at most
    ok = seen["grants"] == 1 and refused == 0 and renewals >= minimum and seen["expired"] == 0
    return Result(
        f"token requests per expiry, {bench_stores.PROCESSES} processes x {bench_stores.THREADS} threads, Redis store",
        f"{per_expiry:.2f}",
        "-",
        f"{seen['grants']} first token, {seen['refreshes']} refreshes for {renewals} expiries, {refused} refused;"
        f" {seen['requests']} requests, {seen['expired']} with an expired token",
        "exactly 1",
        ok,
    )


# --------------------------------------------------------------------------------------------------------- main


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the results table into docs/benchmarks.md")
    args = parser.parse_args()
    results: list[Result] = []
    for bench in (
        import_time,
        per_request_costs,
        assertion_signing,
        token_request,
        id_token_validation,
        dpop_proof,
        renewal_under_concurrency,
        token_stores,
    ):
        out = bench()
        for result in out if isinstance(out, list) else [out]:
            results.append(result)
            print(result.row(), flush=True)
    table = "\n".join(
        [
            f"Machine: {machine()}. Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
            "Command: `make bench` (`python benchmarks/run.py --write`).",
            "",
            "| figure | value | floor | measured | target | met |",
            "|---|---|---|---|---|---|",
            *(result.row() for result in results),
        ]
    )
    if args.write:
        text = RESULTS_DOC.read_text(encoding="utf-8") if RESULTS_DOC.exists() else "# Benchmarks\n"
        block = f"{START_MARK}\n{table}\n{END_MARK}"
        if START_MARK in text and END_MARK in text:
            before, rest = text.split(START_MARK, 1)
            after = rest.split(END_MARK, 1)[1]
            text = before + block + after
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        RESULTS_DOC.write_text(text, encoding="utf-8")
    failed = [r.figure for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)} targets met, {len(failed)} missed" + (f": {failed}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
