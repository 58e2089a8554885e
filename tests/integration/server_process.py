"""Start and stop the loopback authorization server in `tests/server/` (a `node server.mjs` process).

Standard library only. `tests/integration/harness.py` re-exports these names; import them from there.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "tests" / "server"
# Server keys (generating its 5 RSA keys costs ~1.5 s) are cached here across runs
# and copied into each new state directory. The directory is git-ignored.
KEYS_CACHE = SERVER_DIR / "state" / "keys.json"

READY_TIMEOUT = 60.0
NPM_CI_TIMEOUT = 300.0
STOP_TIMEOUT = 5.0


class ServerStartError(RuntimeError):
    """The authorization server could not be installed or started."""


@dataclass
class RunningServer:
    """A `node server.mjs` process started by `start_server()`."""

    proc: subprocess.Popen[bytes]
    port: int
    issuer: str
    state_dir: Path
    contract_path: Path
    ready: dict[str, Any]
    startup_seconds: float
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        """The server's stderr so far (for failure messages)."""
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""


# Servers still running, stopped by an atexit hook if nobody else did.
_RUNNING: dict[int, RunningServer] = {}


def _stop_all_at_exit() -> None:
    for server in list(_RUNNING.values()):
        stop_server(server)


atexit.register(_stop_all_at_exit)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Return True if nothing listens on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) != 0


def pid_exists(pid: int) -> bool:
    """Return True if a process with this pid exists (zombies excluded where visible)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def ensure_node_modules(server_dir: Path = SERVER_DIR, timeout: float = NPM_CI_TIMEOUT) -> None:
    """Run `npm ci` in `server_dir` if its node_modules is missing."""
    if (server_dir / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ServerStartError("npm is not installed; Node.js >= 20.18 with npm is needed for the test server")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=server_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerStartError(f"npm ci in {server_dir} took more than {timeout:.0f} s") from exc
    if result.returncode != 0:
        raise ServerStartError(f"npm ci in {server_dir} failed ({result.returncode}):\n{result.stderr}")


def start_server(
    state_dir: Path,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    server_dir: Path = SERVER_DIR,
    ready_timeout: float = READY_TIMEOUT,
    keys_cache: Path | None = KEYS_CACHE,
) -> RunningServer:
    """Start `node server.mjs` on 127.0.0.1 and wait for its `READY {json}` line.

    Args:
        state_dir: directory for the server's keys, contract file and logs.
        port: TCP port; a free one is picked if None (retried on a port race).
        env: extra environment variables for the server (see server.mjs).
        server_dir: directory holding server.mjs and package.json.
        ready_timeout: seconds to wait for the READY line.
        keys_cache: a `keys.json` reused for a fresh state directory (and written
            after the first start); None to always generate new keys.

    Raises:
        ServerStartError: with the server's stderr, if it does not come up.
    """
    ensure_node_modules(server_dir)
    node = shutil.which("node")
    if node is None:
        raise ServerStartError("node is not installed; Node.js >= 20.18 is needed for the test server")
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    keys = state_dir / "keys.json"
    # a cache older than server.mjs may lack keys a newer server expects
    cache_ok = (
        keys_cache is not None
        and keys_cache.is_file()
        and keys_cache.stat().st_mtime >= (server_dir / "server.mjs").stat().st_mtime
    )
    if cache_ok and keys_cache is not None and not keys.exists():
        shutil.copyfile(keys_cache, keys)
    attempts = 1 if port is not None else 3
    last_error: ServerStartError | None = None
    for attempt in range(attempts):
        try:
            server = _start_once(
                node=node,
                state_dir=state_dir,
                port=port or free_port(),
                env=env,
                server_dir=server_dir,
                ready_timeout=ready_timeout,
                attempt=attempt,
            )
        except ServerStartError as exc:
            last_error = exc
            if "EADDRINUSE" not in str(exc):
                raise
        else:
            if keys_cache is not None and not cache_ok:
                _save_keys(keys, keys_cache)
            return server
    assert last_error is not None
    raise last_error


def _save_keys(keys: Path, cache: Path) -> None:
    """Copy keys.json to the cache atomically (parallel runs may race)."""
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        shutil.copyfile(keys, tmp)
        tmp.chmod(0o600)
        os.replace(tmp, cache)


def _start_once(
    *,
    node: str,
    state_dir: Path,
    port: int,
    env: dict[str, str] | None,
    server_dir: Path,
    ready_timeout: float,
    attempt: int,
) -> RunningServer:
    stdout_path = state_dir / f"server-{port}-{attempt}.out"
    stderr_path = state_dir / f"server-{port}-{attempt}.err"
    full_env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "HARNESS_STATE_DIR": str(state_dir),
        "HARNESS_EXIT_ON_STDIN_EOF": "1",
        **(env or {}),
    }
    full_env.pop("ISSUER", None)
    t0 = time.perf_counter()
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            [node, "server.mjs"],
            cwd=server_dir,
            env=full_env,
            stdin=subprocess.PIPE,  # closed by the OS if this process dies: the server then exits
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group: stopped as a whole, no terminal signals
        )
    server: RunningServer | None = None
    deadline = t0 + ready_timeout
    try:
        while True:
            text = stdout_path.read_text(errors="replace")
            line = next((ln for ln in text.splitlines() if ln.startswith("READY ")), None)
            if line is not None:
                ready = json.loads(line[len("READY ") :])
                server = RunningServer(
                    proc=proc,
                    port=port,
                    issuer=ready["issuer"],
                    state_dir=state_dir,
                    contract_path=Path(ready["contract"]),
                    ready=ready,
                    startup_seconds=time.perf_counter() - t0,
                    stdout_path=stdout_path,
                    stderr_path=stderr_path,
                )
                _RUNNING[proc.pid] = server
                return server
            if proc.poll() is not None:
                raise ServerStartError(
                    f"authorization server exited with code {proc.returncode} before READY:\n"
                    f"{stderr_path.read_text(errors='replace')}"
                )
            if time.perf_counter() > deadline:
                raise ServerStartError(
                    f"authorization server not READY after {ready_timeout:.0f} s; stderr:\n"
                    f"{stderr_path.read_text(errors='replace')}"
                )
            time.sleep(0.01)
    finally:
        if server is None:
            _terminate(proc)


def _terminate(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group, wait, then SIGKILL it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
    else:
        # the leader is gone; make sure nothing else in its group survives
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def stop_server(server: RunningServer, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a server started by `start_server()` (idempotent)."""
    try:
        _terminate(server.proc, timeout)
    finally:
        _RUNNING.pop(server.proc.pid, None)


def new_state_dir(base: Path) -> Path:
    """A fresh, uniquely named state directory under `base`."""
    path = Path(base) / f"as-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    return path
