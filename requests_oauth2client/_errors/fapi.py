"""The error of a setting or a request that breaks the FAPI 2.0 Security Profile.

Private module: `Fapi2Violation` is re-exported by [requests_oauth2client.exceptions][] and
[requests_oauth2client.fapi][]. Its message cites the clause of the profile; it never shows a secret (a key is named
by its type and `kid`, a token never appears).
"""

from __future__ import annotations

from typing import Any

from requests_oauth2client._errors.params import InvalidParam

__all__ = ["Fapi2Violation"]


class Fapi2Violation(InvalidParam):
    """A client setting, or a request, that the FAPI 2.0 Security Profile forbids.

    `Fapi2Client` raises it when it is built with such a setting, and before it sends such a request.

    Args:
        rule: the short name of the rule (`client_authentication`, `sender_constrained_tokens`, `algorithm`...; the
            table of rules is in the documentation of `requests_oauth2client.fapi`).
        clause: the clause of the specification that states the rule (e.g. `FAPI 2.0 Security Profile §5.3.3.1-2`).
        message: what is wrong, and how to fix it.
        value: the offending value (never a secret: keys are described, not included).
    """

    def __init__(self, rule: str, clause: str, message: str, value: Any = None) -> None:
        super().__init__(f"{message} ({clause}).")
        self.rule = rule
        self.clause = clause
        self.value = value
