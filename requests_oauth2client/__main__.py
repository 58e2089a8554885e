"""`python -m requests_oauth2client`: the `ro2c` command-line tool."""

from __future__ import annotations

import sys

from requests_oauth2client._cli import main

if __name__ == "__main__":
    sys.exit(main())
