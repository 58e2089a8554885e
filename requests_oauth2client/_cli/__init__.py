"""`ro2c`, the command-line tool of requests_oauth2client (also `python -m requests_oauth2client`).

A private package: its interface is the command line (`ro2c --help`, and the CLI page of the documentation), not
these modules. It uses only the public API of the library.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
