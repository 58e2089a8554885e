"""A guided tour against a real authorization server running on 127.0.0.1.

Run it with `make demo` (which sets everything up) or `.venv/bin/python demo/run.py`.

It starts the project's test authorization server (tests/server, panva's
oidc-provider) with the same start/stop functions as the integration tests,
runs each step in `STEPS` in order, and stops the server at the end.

To add a step: write a function that takes the `Context`, starts with
`step("title")`, prints what it does with `show()`, keeps what later steps
need in `ctx.data`, and append it to `STEPS`.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.integration.harness import (  # noqa: E402
    Harness,
    ServerStartError,
    start_server,
    stop_server,
)


@dataclass
class Context:
    """What every step gets: the running server and a place to pass results on."""

    harness: Harness
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.harness.issuer


Step = Callable[[Context], None]

_counter = itertools.count(1)


def step(title: str) -> None:
    """Print a numbered step heading."""
    heading = f"Step {next(_counter)}: {title}"
    print()
    print(heading)
    print("-" * len(heading))


def show(label: str, value: object = "") -> None:
    """Print one `label: value` line, aligned."""
    text = str(value)
    if len(text) > 80:
        text = "\n" + textwrap.indent(textwrap.fill(text, 86, break_on_hyphens=False), " " * 4)
    print(f"  {label:<38} {text}" if label else f"  {text}")


# ----------------------------------------------------------------------- steps


def discover_issuer(ctx: Context) -> None:
    step("Discover the authorization server")
    meta = ctx.harness.discovery()
    ctx.data["metadata"] = meta
    show("discovery document", ctx.harness.discovery_url)
    show("issuer", meta["issuer"])
    show("metadata fields", len(meta))


def list_endpoints(ctx: Context) -> None:
    step("Endpoints it advertises")
    meta: dict[str, Any] = ctx.data["metadata"]
    for name in sorted(k for k in meta if k.endswith("_endpoint") or k == "jwks_uri"):
        show(name, meta[name])


def list_capabilities(ctx: Context) -> None:
    step("What it supports")
    meta: dict[str, Any] = ctx.data["metadata"]
    for name in (
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "dpop_signing_alg_values_supported",
        "scopes_supported",
    ):
        if name in meta:
            show(name, " ".join(meta[name]))


def list_clients(ctx: Context) -> None:
    step("Clients registered for the demo and the tests")
    for client_id, client in ctx.harness.clients.items():
        show(client_id, client["token_endpoint_auth_method"])
    show("protected resource", ctx.harness.resource_url)


STEPS: list[Step] = [
    discover_issuer,
    list_endpoints,
    list_capabilities,
    list_clients,
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="requests-oauth2client-demo-") as tmp:
        step("Start a local authorization server")
        try:
            server = start_server(Path(tmp))
        except ServerStartError as exc:
            print(f"could not start the authorization server: {exc}", file=sys.stderr)
            return 1
        try:
            show("listening at", server.issuer)
            show("pid", server.pid)
            show("ready after", f"{server.startup_seconds:.2f} s")
            ctx = Context(harness=Harness.from_server(server))
            for fn in STEPS:
                fn(ctx)
        finally:
            t0 = time.perf_counter()
            stop_server(server)
            step("Stop the authorization server")
            show("stopped after", f"{time.perf_counter() - t0:.2f} s")
    print()
    print("Demo finished.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
