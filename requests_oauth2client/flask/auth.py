"""Auth handlers that store their token in the Flask session (`flask.session`), one token per user session.

Flask's default session is a cookie that the user's browser can read (it is signed, not encrypted): a token
stored there is visible to that user. Use a server-side session interface (such as Flask-Session) when the
token must stay secret, and always for DPoP tokens, whose private key is stored along with the token.
"""

from __future__ import annotations

from typing import Any, Protocol

try:
    import flask
except ImportError as exc:  # pragma: no cover (Flask is installed in the test environment)
    msg = "requests_oauth2client.flask requires Flask: install it with `pip install requests_oauth2client[flask]`."
    raise ImportError(msg) from exc

from requests_oauth2client.auth import OAuth2ClientCredentialsAuth
from requests_oauth2client.serializers import TokenSerializer
from requests_oauth2client.tokens import BearerToken

__all__ = ["FlaskOAuth2ClientCredentialsAuth", "FlaskSessionAuthMixin", "TokenSerializerProtocol"]


class TokenSerializerProtocol(Protocol):
    """What a token serializer must provide to be used by `FlaskSessionAuthMixin`."""

    def dumps(self, token: BearerToken, /) -> bytes | str:
        """Serialize a token."""
        ...  # pragma: no cover

    def loads(self, serialized: bytes | str, /) -> BearerToken:
        """Deserialize a token."""
        ...  # pragma: no cover


class FlaskSessionAuthMixin:
    """A mixin for auth handlers that keeps their `token` in the Flask session, under `session_key`.

    Put it first in the bases of an auth handler class, so that its `token` property takes the place of the
    handler's own attribute. The token is serialized with `serializer` (a `TokenSerializer` by default).

    Outside of a Flask request context there is no session: `token` reads as `None`, and storing a token raises
    a `RuntimeError`. A stored value that cannot be read back (e.g. written by an incompatible serializer) reads
    as `None`, so a new token is obtained and replaces it.

    Args:
        session_key: the key of the token in the Flask session.
        serializer: the serializer for the token (a `TokenSerializer` by default).
        *args: positional arguments for the auth handler.
        **token_kwargs: keyword arguments for the auth handler.
    """

    session_key: str
    serializer: TokenSerializerProtocol

    def __init__(
        self,
        session_key: str,
        serializer: TokenSerializerProtocol | None = None,
        *args: Any,
        **token_kwargs: Any,
    ) -> None:
        self.session_key = session_key
        self.serializer = serializer if serializer is not None else TokenSerializer()
        super().__init__(*args, **token_kwargs)

    @property
    def token(self) -> BearerToken | None:
        """The token stored in the current Flask session, or `None` when there is none."""
        if not flask.has_request_context():
            return None
        serialized = flask.session.get(self.session_key)
        if not serialized:
            return None
        try:
            return self.serializer.loads(serialized)
        except ValueError:  # an unreadable token is as good as no token: a new one will replace it
            return None

    @token.setter
    def token(self, value: BearerToken | str | None) -> None:
        """Store a token in the current Flask session (a `str` is a Bearer access token), or remove it (`None`).

        Raises:
            RuntimeError: when storing a token outside of a Flask request context.
        """
        if not flask.has_request_context():
            if not value:
                return  # nothing to remove (e.g. at init)
            msg = "A token can only be stored in the Flask session while handling a request (no request context)."
            raise RuntimeError(msg)
        if not value:
            flask.session.pop(self.session_key, None)
            return
        if isinstance(value, str):
            value = BearerToken(value)
        serialized = self.serializer.dumps(value)
        # Stored as text: it is base64url already, and text fits any session interface.
        flask.session[self.session_key] = serialized.decode("ascii") if isinstance(serialized, bytes) else serialized


class FlaskOAuth2ClientCredentialsAuth(FlaskSessionAuthMixin, OAuth2ClientCredentialsAuth):
    """An `OAuth2ClientCredentialsAuth` that keeps its token in the Flask session.

    Each Flask user session holds its own token, obtained with the Client Credentials grant on the first request
    that needs it; `forget_token()` removes it from the current session.

    Flask's default session is a signed (not encrypted) cookie: each user could read the client's access token
    there. Configure a server-side session interface unless that is acceptable.

    Args:
        session_key: the key of the token in the Flask session.
        serializer: the serializer for the token (a `TokenSerializer` by default).
        *args: positional arguments for `OAuth2ClientCredentialsAuth` (the client).
        **token_kwargs: keyword arguments for `OAuth2ClientCredentialsAuth` (`client`, `leeway`, `scope`, ...).

    Example:
        ```python
        auth = FlaskOAuth2ClientCredentialsAuth(session_key="token", client=oauth2client, scope="myscope")
        api = ApiClient("https://myapi.local", auth=auth)


        @app.route("/")
        def index():
            return api.get("resource").json()
        ```
    """
