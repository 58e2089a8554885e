"""DPoP speed check (a script, not a test): prints two cost ratios measured in the same run.

1. One ES256 proof from `DPoPKey.proof()` (and from the `compact_proof()` fast path) versus a minimal proof written by
   hand on `cryptography` (same header, same claims, same key). Target: at most 2.5x.
2. A request through `DPoPToken` versus a request through `BearerToken`, both over a fake transport adapter that
   returns a canned response. Target: at most 1.5x.

Run: `.venv/bin/python benchmarks/bench_dpop.py`
"""

from __future__ import annotations

import base64
import json
import sys
import time
import timeit
import uuid

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.tokens import BearerToken

PROOF_TARGET = 2.5
REQUEST_TARGET = 1.5
URL = "https://rs.example.com/api/resource?x=1"


def b64u(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def make_hand_made_proof(key: DPoPKey):
    """Return a function building a minimal ES256 DPoP proof directly on `cryptography`."""
    private_key = key.private_key.cryptography_key
    header = b64u(
        json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": dict(key.public_jwk)}, separators=(",", ":")).encode()
    )
    algorithm = ec.ECDSA(hashes.SHA256())

    def hand_made_proof() -> str:
        claims = {"jti": str(uuid.uuid4()), "htm": "GET", "htu": "https://rs.example.com/api/resource"}
        claims["iat"] = int(time.time())
        signing_input = header + b"." + b64u(json.dumps(claims, separators=(",", ":")).encode())
        r, s = decode_dss_signature(private_key.sign(signing_input, algorithm))
        return (signing_input + b"." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode()

    return hand_made_proof


class FakeAdapter(requests.adapters.BaseAdapter):
    """A transport that returns a canned 200 response without any network I/O."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def best_times(funcs, number: int, rounds: int = 15) -> list[float]:
    """Return the best per-call time of each function, measured in interleaved rounds of `number` calls.

    Interleaving gives every function the same share of a busy machine's slow and fast moments, and CPU time
    (not wall time) leaves out the time other processes take.
    """
    best = [float("inf")] * len(funcs)
    for _ in range(rounds):
        for i, func in enumerate(funcs):
            best[i] = min(best[i], timeit.Timer(func, timer=time.process_time).timeit(number=number) / number)
    return best


def main() -> int:
    key = DPoPKey.generate("ES256")
    hand_made = make_hand_made_proof(key)

    def library_proof() -> object:
        return key.proof(htm="GET", htu=URL)

    def library_proof_str() -> str:
        return key.compact_proof("GET", URL)

    for func in (hand_made, library_proof, library_proof_str):
        func()  # warm up caches

    t_hand, t_proof, t_proof_str = best_times([hand_made, library_proof, library_proof_str], number=500)

    bearer = BearerToken("access_token_value", expires_in=3600)
    dpop = DPoPToken("access_token_value", _dpop_key=key, expires_in=3600)
    request_ratios = {}
    print(f"hand-made ES256 proof (cryptography): {t_hand * 1e6:8.1f} us")
    print(f"DPoPKey.proof()                     : {t_proof * 1e6:8.1f} us  ratio {t_proof / t_hand:.2f}x")
    print(f"DPoPKey.compact_proof()             : {t_proof_str * 1e6:8.1f} us  ratio {t_proof_str / t_hand:.2f}x")
    for trust_env in (True, False):
        # trust_env=True is requests' default (it reads proxy settings from the environment for every request);
        # trust_env=False makes a cheaper Bearer baseline, hence a stricter ratio.
        session = requests.Session()
        session.trust_env = trust_env
        session.mount("https://", FakeAdapter())

        def bearer_request(session: requests.Session = session) -> object:
            return session.get(URL, auth=bearer)

        def dpop_request(session: requests.Session = session) -> object:
            return session.get(URL, auth=dpop)

        bearer_request()
        dpop_request()
        t_bearer, t_dpop = best_times([bearer_request, dpop_request], number=300)
        request_ratios[trust_env] = t_dpop / t_bearer
        print(f"request with BearerToken (trust_env={trust_env!s:5}): {t_bearer * 1e6:8.1f} us")
        ratio = t_dpop / t_bearer
        print(f"request with DPoPToken   (trust_env={trust_env!s:5}): {t_dpop * 1e6:8.1f} us  ratio {ratio:.2f}x")

    proof_ratio = t_proof / t_hand
    ok = proof_ratio <= PROOF_TARGET and request_ratios[True] <= REQUEST_TARGET
    verdict = "OK" if ok else "MISSED"
    print(f"targets: proof <= {PROOF_TARGET}x, request <= {REQUEST_TARGET}x (default session) -> {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
