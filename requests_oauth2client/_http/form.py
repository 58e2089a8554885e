"""Adding fields to the form-urlencoded body of a prepared request, as client authentication does.

Pure: it only changes the `PreparedRequest` it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, unquote_plus, urlencode

import requests

__all__ = ["FORM_CONTENT_TYPE", "UnextendableBody", "add_form_fields"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class UnextendableBody(ValueError):
    """The body of the request is a stream or a generator: it can neither be parsed nor extended."""


def add_form_fields(request: requests.PreparedRequest, fields: Mapping[str, str], encoded: str | None = None) -> None:
    """Add `fields` to the request's form body, keeping every other parameter already there.

    Existing parameters are kept byte for byte; a parameter of the same name as one of `fields` is replaced.
    The Content-Type and Content-Length headers are set accordingly.

    Args:
        request: the request.
        fields: the fields to add.
        encoded: `urlencode(fields)`, when the caller has it (a client authentication sends the same fields with
            every request: it encodes them once).

    Raises:
        UnextendableBody: when the body is a stream or a generator.
    """
    body = request.body
    if body is None:
        raw = b""
    elif isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raise UnextendableBody("the request body is a stream")
    text = body if isinstance(body, str) else raw.decode("latin-1")
    if text.isascii() and _no_parameter_named(text, fields):
        # the common case, on every token request: append the fields to the encoded body as it is, rather than
        # decoding and encoding the whole form again
        extra = encoded if encoded is not None else urlencode(fields)
        new_body = f"{text}&{extra}" if text else extra
        request.body = new_body
        request.headers["Content-Length"] = str(len(new_body))
        if "Content-Type" not in request.headers:
            request.headers["Content-Type"] = FORM_CONTENT_TYPE
        return
    # latin-1 maps each byte to one char and back, so percent-decoded values are kept exactly
    pairs: list[tuple[bytes | str, bytes | str]] = [
        (key.encode("latin-1"), value.encode("latin-1"))
        for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        if key not in fields
    ]
    pairs.extend(fields.items())
    request.prepare_body(pairs, files=None)


def _no_parameter_named(form: str, names: Iterable[str]) -> bool:
    """Whether none of `names` is the name of a parameter of the urlencoded `form`."""
    if "%" not in form and all(" " not in name and name not in form for name in names):
        # without `%`, a name is written as it is in the form (`+` only stands for a space): not even a substring
        return True
    return _form_names(form).isdisjoint(names)


def _form_names(form: str) -> set[str]:
    """The parameter names of an urlencoded form."""
    names = set()
    for part in form.split("&"):
        if not part:
            continue
        name = part.split("=", 1)[0]
        names.add(unquote_plus(name, encoding="latin-1") if "%" in name or "+" in name else name)
    return names
