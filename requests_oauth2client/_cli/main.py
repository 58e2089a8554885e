"""`ro2c` entry point: parse the command line, run the command, turn errors into one line and an exit status."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import requests

from requests_oauth2client import MissingEndpointUri

from . import commands
from .decode import decode
from .inputs import Inputs, UsageError
from .output import Output
from .parser import PROG, build_parser

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130

Command = Callable[[Inputs, Output], int]
COMMANDS: dict[str, Command] = {
    "client_credentials": commands.client_credentials,
    "login": commands.login,
    "device": commands.device,
    "refresh": commands.refresh,
    "token_exchange": commands.token_exchange,
    "introspect": commands.introspect,
    "revoke": commands.revoke,
    "userinfo": commands.userinfo,
    "discover": commands.discover,
    "decode": decode,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run `ro2c` with `argv` (default: `sys.argv[1:]`) and return its exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command = args.command
    out = Output(json_output=args.json, show_secrets=args.show_secrets)
    try:
        with _debug_log(enabled=args.debug):
            return COMMANDS[command](Inputs(args), out)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return _fail(command, "interrupted", EXIT_INTERRUPTED, debug=args.debug)
    except UsageError as exc:
        return _fail(command, str(exc), EXIT_USAGE, debug=args.debug)
    except MissingEndpointUri as exc:
        option = "--" + exc.endpoint.replace("_", "-")
        message = f"the authorization server has no {exc.endpoint} (discovery does not name one): give it with {option}"
        return _fail(command, message, EXIT_USAGE, debug=args.debug)
    except (requests.ConnectionError, requests.Timeout) as exc:
        return _fail(command, f"cannot reach the authorization server: {describe(exc)}", EXIT_UNREACHABLE, args.debug)
    except Exception as exc:  # every other error is reported as one line (with its type), not as a traceback
        return _fail(command, describe(exc), EXIT_FAILED, debug=args.debug)


@contextmanager
def _debug_log(*, enabled: bool) -> Iterator[None]:
    """With --debug, the library's log (HTTP exchanges, without secrets) goes to stderr while a command runs."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("requests_oauth2client")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def describe(exc: BaseException) -> str:
    """About an error: its type and its message (which, for an answer of the AS, names the endpoint and status)."""
    name = type(exc).__name__
    return f"{name}: {exc}" if str(exc) else name


def _fail(command: str, message: str, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc(file=sys.stderr)
    one_line = " ".join(message.split())  # an error is one line, whatever the AS put in its description
    sys.stderr.write(f"{PROG} {command}: error: {one_line}\n")
    return status
