"""A throw-away `redis-server` for the tests: free loopback port, no persistence, stopped by PID.

    server = start_redis(tmp_dir)      # raises ServiceUnavailable when redis-server is not installed
    try:
        client = redis.Redis.from_url(server.url)
        ...
        server.flush()                 # FLUSHALL between tests that must not see each other's keys
        stop_redis(server)             # an outage...
        server = restart_redis(server) # ...and the same URL works again (empty)
    finally:
        stop_redis(server)

The server is started in its own process group, answers PING before `start_redis()` returns, and is stopped by
an atexit hook if the test session ends without stopping it (a crash, Ctrl-C). Startup needs only the standard
library (PING is sent over a raw socket); `flush()` uses redis-py (the `tests` extra).
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.integration.harness import _terminate as terminate_process_group
from tests.integration.harness import free_port
from tests.services import TESTS_EXTRA, ServiceStartError, ServiceUnavailable

READY_TIMEOUT = 10.0
START_ATTEMPTS = 3
HOW_TO_ENABLE = f"apt-get install redis-server (the Debian/Ubuntu package) and {TESTS_EXTRA} for redis-py"


@dataclass
class RedisServer:
    """A `redis-server` process started by `start_redis()`."""

    proc: subprocess.Popen[bytes]
    port: int
    directory: Path
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        """`redis://127.0.0.1:<port>/0`, for `redis.Redis.from_url()`."""
        return f"redis://127.0.0.1:{self.port}/0"

    def log(self) -> str:
        """The server's log so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def flush(self) -> None:
        """Delete every key of every database (FLUSHALL)."""
        import redis  # the tests extra; imported here so that starting a server needs only the stdlib

        with redis.Redis.from_url(self.url) as client:
            client.flushall()


_RUNNING: dict[int, RedisServer] = {}


def _stop_all_at_exit() -> None:
    for server in list(_RUNNING.values()):
        stop_redis(server)


atexit.register(_stop_all_at_exit)


def redis_server_path() -> str:
    """The `redis-server` executable on PATH.

    Raises:
        ServiceUnavailable: there is none.
    """
    path = shutil.which("redis-server")
    if path is None:
        raise ServiceUnavailable("redis-server", "no redis-server executable on PATH", HOW_TO_ENABLE)
    return path


def ping(port: int, timeout: float = 1.0) -> bool:
    """Whether a Redis server on 127.0.0.1:`port` answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(directory: Path, *, ready_timeout: float = READY_TIMEOUT) -> RedisServer:
    """Start `redis-server` on a free port of 127.0.0.1, without persistence, and wait until it answers PING.

    Args:
        directory: the server's working directory (`--dir`) and where its log goes; nothing else is written.
        ready_timeout: seconds to wait for PONG.

    Raises:
        ServiceUnavailable: redis-server is not installed.
        ServiceStartError: it is installed but did not answer (its log is in the message).
    """
    executable = redis_server_path()
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    last_error: ServiceStartError | None = None
    for attempt in range(START_ATTEMPTS):
        try:
            return _start_once(executable, directory, free_port(), attempt, ready_timeout)
        except ServiceStartError as exc:
            last_error = exc
            if "Address already in use" not in str(exc):  # another process took the port: try another one
                raise
    assert last_error is not None
    raise last_error


def _start_once(executable: str, directory: Path, port: int, attempt: int, ready_timeout: float) -> RedisServer:
    log_path = directory / f"redis-{port}-{attempt}.log"
    command = [
        executable,
        *("--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes"),
        *("--save", "", "--appendonly", "no", "--dir", str(directory)),
        *("--daemonize", "no", "--logfile", ""),  # log to stdout, i.e. to log_path
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopped as a whole, no terminal signals
        )
    server = RedisServer(proc=proc, port=port, directory=directory, log_path=log_path)
    _RUNNING[proc.pid] = server
    deadline = time.monotonic() + ready_timeout
    # the port may have been taken by another server since free_port(): PONG counts only while ours runs
    while not (ping(port) and proc.poll() is None):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_redis(server)
            status = f"exited with code {proc.returncode}" if proc.returncode is not None else "did not answer"
            raise ServiceStartError(
                f"redis-server on port {port} {status} within {ready_timeout:.0f} s; its log:\n{server.log()}"
            )
        time.sleep(0.02)
    return server


def restart_redis(server: RedisServer, *, ready_timeout: float = READY_TIMEOUT) -> RedisServer:
    """Start a new `redis-server` on the port of a stopped one (same URL, no data): a store that comes back.

    Raises:
        ServiceStartError: it did not answer (e.g. another process took the port meanwhile).
    """
    return _start_once(redis_server_path(), server.directory, server.port, 1, ready_timeout)


def stop_redis(server: RedisServer) -> None:
    """Stop a server started by `start_redis()` (idempotent)."""
    try:
        terminate_process_group(server.proc)
    finally:
        _RUNNING.pop(server.proc.pid, None)
