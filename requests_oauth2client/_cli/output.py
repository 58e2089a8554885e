"""What `ro2c` prints: results on stdout (readable text, or JSON with `--json`), status lines on stderr.

Secrets (tokens, device codes) are replaced by a placeholder that says their length, unless `--show-secrets`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

from requests_oauth2client import BearerToken, DPoPToken, IdToken

# Claims and fields whose value is a POSIX timestamp: the text output adds the date and how far it is.
TIMESTAMPS = frozenset({"exp", "iat", "nbf", "auth_time", "updated_at"})


def hidden(value: str) -> str:
    """The placeholder printed instead of a secret."""
    return f"<hidden: {len(value)} characters; --show-secrets prints it>"


def _relative(seconds: float) -> str:
    amount = abs(int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if amount >= size:
            text = f"{amount // size} {unit}"
            break
    else:
        text = f"{amount} s"
    return f"in {text}" if seconds >= 0 else f"{text} ago"


def describe_timestamp(value: object, now: datetime | None = None) -> str:
    """`1700000000` -> `1700000000 (2023-11-14 22:13:20 UTC, 3 d ago)`; anything else as JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return json.dumps(value)
    try:
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return json.dumps(value)
    now = now or datetime.now(tz=timezone.utc)
    return f"{value} ({moment:%Y-%m-%d %H:%M:%S} UTC, {_relative((moment - now).total_seconds())})"


def _scalar(key: str, value: object) -> str:
    if key in TIMESTAMPS:
        return describe_timestamp(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return json.dumps(value, default=str)


def text_lines(data: Mapping[str, Any], indent: int = 0) -> list[str]:
    """Render a mapping as aligned `key  value` lines; nested mappings are indented under their key."""
    pad = " " * indent
    width = max((len(str(key)) for key in data), default=0)
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{key}:")
            lines.extend(text_lines(value, indent + 2))
        else:
            lines.append(f"{pad}{str(key).ljust(width)}  {_scalar(str(key), value)}")
    return lines


class Output:
    """Where and how a command prints.

    Args:
        json_output: print results as JSON.
        show_secrets: print secrets in full.
        stdout: the stream for results (default: `sys.stdout` at the time of printing).
        stderr: the stream for status lines (default: `sys.stderr` at the time of printing).
    """

    def __init__(
        self,
        *,
        json_output: bool = False,
        show_secrets: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_output = json_output
        self.show_secrets = show_secrets
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    def secret(self, value: str) -> str:
        """The secret itself with `--show-secrets`, else a placeholder."""
        return value if self.show_secrets else hidden(value)

    def result(self, data: Mapping[str, Any]) -> None:
        """Print the result of a command on stdout."""
        if self.json_output:
            self.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            self.stdout.write("\n".join(text_lines(data)) + "\n")
        self.stdout.flush()

    def line(self, text: str) -> None:
        """Print one raw line on stdout."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def status(self, text: str) -> None:
        """Print a status line on stderr (never part of the result)."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def token_data(self, token: BearerToken) -> dict[str, Any]:
        """The fields of a token response, secrets hidden unless `--show-secrets`."""
        data: dict[str, Any] = {"token_type": token.token_type, "access_token": self.secret(token.access_token)}
        if token.expires_at is not None:
            data["expires_in"] = token.expires_in
            data["expires_at"] = token.expires_at.isoformat()
        if token.scope is not None:
            data["scope"] = token.scope
        if token.refresh_token is not None:
            data["refresh_token"] = self.secret(token.refresh_token)
        if token.id_token is not None:
            data["id_token"] = self.secret(str(token.id_token))
            if isinstance(token.id_token, IdToken):
                data["id_token_claims"] = dict(token.id_token.claims)
        if isinstance(token, DPoPToken):
            data["dpop_jkt"] = token.dpop_key.dpop_jkt
        for name, value in token.kwargs.items():
            data.setdefault(name, value)
        return data

    def token(self, token: BearerToken) -> None:
        """Print a token response."""
        self.result(self.token_data(token))


class StatusLine:
    """A status that changes over time, on stderr: rewritten in place on a terminal, else one line per change.

    Args:
        stream: where to write.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._last_key: object = None
        self._open = False

    def show(self, text: str, key: object) -> None:
        """Show `text`; off a terminal, only when `key` differs from the previous one (not at each tick)."""
        if self.live:
            self.stream.write("\r\x1b[K" + text)
            self._open = True
        elif key != self._last_key:
            self.stream.write(text + "\n")
        self._last_key = key
        self.stream.flush()

    def close(self, text: str | None = None) -> None:
        """End the status, with a last line if given."""
        if self._open:
            self.stream.write("\r\x1b[K")
            self._open = False
        if text is not None:
            self.stream.write(text + "\n")
        self.stream.flush()
