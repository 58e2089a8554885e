"""A fake "orders" REST API, protected by the fake Authorization Server, for the documentation examples.

It answers like a real API would, so that examples show what users get from theirs: resources as JSON, `201` with
a `Location` for a creation, `404` for what does not exist, `401` with `WWW-Authenticate` without a valid token.
The paths below live under the API root (`https://api.example.com/`), with or without a `/v1` prefix:

| method and path                      | answer                                                             |
|--------------------------------------|--------------------------------------------------------------------|
| `GET /orders`                        | `{"orders": [<order>, ...], "next_page": null}`                    |
| `POST /orders`                       | `201`, `Location: <order URL>`, the new order (the fields it was sent) |
| `GET /orders/<digits>`               | the order: `{"id", "status", "placed_at", "customer", "total"}`    |
| `PUT`/`PATCH /orders/<digits>`       | the order with the fields it was sent                              |
| `DELETE /orders/<digits>`            | `204`                                                              |
| `GET /orders/<digits>/lines`         | `{"order_id", "lines": [{"sku", "quantity", "unit_price"}]}`       |
| `GET /order-lines`                   | `{"order_lines": [...]}`                                           |
| `GET /me`                            | the user the access token was issued for                          |
| `GET /users/user123`                 | that user; any other user id is a `404`                            |
| `POST /orders/<digits>/refund`       | `{"order_id", "status": "refunded"}` (token of acr `STEP_UP_ACR`)  |
| anything else                        | `404`, `application/problem+json` (RFC 9457)                       |

A refund without a token of acr `STEP_UP_ACR` is a `401` `insufficient_user_authentication` (RFC 9470), with that
`acr_values`. Every request needs an access token of the fake AS (`Authorization: Bearer ...`, or `DPoP ...` with a
valid proof): without one the answer is `401` with `WWW-Authenticate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

Answer = tuple[int, Any, dict[str, str]]

USERS = {"user123": {"id": "user123", "name": "Jane Doe", "email": "jane@example.com"}}
STEP_UP_ACR = "urn:example:acr:mfa"
"""The authentication context class a refund needs."""
_ORDER_ID = re.compile(r"[0-9]{1,12}")


def _order(order_id: str, customer: str) -> dict[str, Any]:
    """A plausible order, the same for the same id."""
    amount = 10 + int(order_id) % 90
    return {
        "id": order_id,
        "status": "shipped",
        "placed_at": "2024-05-02T09:14:00Z",
        "customer": customer,
        "total": {"amount": f"{amount}.50", "currency": "EUR"},
    }


def _problem(status: int, title: str, detail: str) -> Answer:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return status, body, {"Content-Type": "application/problem+json"}


class OrdersApi:
    """The orders API (see the module docstring).

    Args:
        check_access_token: returns the subject of the request's access token, or raises the AS error that the
            caller turns into a `401` answer.
    """

    def __init__(
        self, check_access_token: Callable[[Any, str], str], acr_of: Callable[[Any], str | None] = lambda _: None
    ) -> None:
        self.check_access_token = check_access_token
        self.acr_of = acr_of
        self.next_id = 1300

    def handle(self, request: Any) -> Answer:
        """Answer one request."""
        subject = self.check_access_token(request, request.url)
        path = urlsplit(request.url).path
        segments = [unquote(segment) for segment in path.strip("/").split("/") if segment]
        if segments[:1] == ["v1"]:
            segments = segments[1:]
        method = request.method.upper()
        match segments:
            case ["orders"]:
                return self._orders(request, method, subject)
            case ["orders", order_id] if _ORDER_ID.fullmatch(order_id):
                return self._order(request, method, order_id, subject)
            case ["orders", order_id, "lines"] if _ORDER_ID.fullmatch(order_id) and method == "GET":
                line = {"sku": "BOOK-0042", "quantity": 1, "unit_price": {"amount": "12.50", "currency": "EUR"}}
                return 200, {"order_id": order_id, "lines": [line]}, {}
            case ["orders", order_id, "refund"] if _ORDER_ID.fullmatch(order_id) and method == "POST":
                if self.acr_of(request) != STEP_UP_ACR:
                    challenge = f'Bearer error="insufficient_user_authentication", acr_values="{STEP_UP_ACR}"'
                    body = {"error": "insufficient_user_authentication", "error_description": "log in with MFA"}
                    return 401, body, {"WWW-Authenticate": challenge}
                return 200, {"order_id": order_id, "status": "refunded"}, {}
            case ["order-lines"] if method == "GET":
                return 200, {"order_lines": [{"order_id": "1234", "sku": "BOOK-0042", "quantity": 1}]}, {}
            case ["me"] if method == "GET":
                return 200, USERS.get(subject, {"id": subject}), {}
            case ["users", user_id] if method == "GET" and user_id in USERS:
                return 200, USERS[user_id], {}
        return _problem(404, "Not Found", f"There is no resource at {path}.")

    def _orders(self, request: Any, method: str, subject: str) -> Answer:
        if method == "GET":
            return 200, {"orders": [_order("1234", subject), _order("1235", subject)], "next_page": None}, {}
        if method == "POST":
            self.next_id += 1
            order = {**_order(str(self.next_id), subject), "status": "received", **_fields(request)}
            return 201, order, {"Location": request.url.rstrip("/") + f"/{self.next_id}"}
        return _problem(405, "Method Not Allowed", f"{method} is not allowed here.")

    def _order(self, request: Any, method: str, order_id: str, subject: str) -> Answer:
        if method == "GET":
            return 200, _order(order_id, subject), {}
        if method in ("PUT", "PATCH"):
            return 200, {**_order(order_id, subject), **_fields(request)}, {}
        if method == "DELETE":
            return 204, None, {}
        return _problem(405, "Method Not Allowed", f"{method} is not allowed here.")


def _fields(request: Any) -> Mapping[str, Any]:
    """The JSON object or the form fields of a request body."""
    if not request.text:
        return {}
    if "json" in request.headers.get("Content-Type", ""):
        body = json.loads(request.text)
        return body if isinstance(body, dict) else {}
    return dict(parse_qsl(request.text, keep_blank_values=True))
