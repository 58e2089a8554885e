"""A Flask web application that logs its users in with OpenID Connect and calls an API with their tokens.

Routes:

- `/`: who is logged in, with links to log in, call the API, log out;
- `/login`: sends the browser to the Authorization Server (AS), with state, nonce and PKCE; the authorization
  request is kept in the user's session with `AuthorizationRequestSerializer`, until the browser comes back;
- `/callback`: validates the authorization response against that request (state, iss, errors), exchanges the code
  (the ID Token is validated), keeps the user's token in their session, and their name (from UserInfo);
- `/api`: calls the API with the user's token, through `ApiClient` and an auth handler that reads the token from
  the session, refreshes it when it expires, and stores the new one there;
- `/logout` (POST): forgets the user in this application (the session at the AS stays).

Configuration: environment variables, or a mapping given to `create_app()`:

    ISSUER          the AS issuer identifier (its metadata is discovered)
    CLIENT_ID       this application's client_id at the AS
    CLIENT_SECRET   its client secret (client_secret_basic)
    REDIRECT_URI    this application's /callback URL, as registered at the AS
    API_URL         the base URL of the API to call (`/api` calls `API_URL/resource`)
    SECRET_KEY      the key that signs Flask's session cookie (a long random value)
    SCOPE           the scope of the login (default: "openid profile email")
    TESTING         "1" to allow http:// URLs (an AS on your own machine)

Run it (with the project's local test server, see the "Web applications" page of the documentation):

    flask --app examples/flask_app/app.py run --port 5000

Flask's default session is a cookie signed with SECRET_KEY, readable by the user: their own tokens are stored
there. Use a server-side session (e.g. Flask-Session) to keep tokens out of the browser, and serve the application
over https (`SESSION_COOKIE_SECURE`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, render_template_string, request, session, url_for
from werkzeug.wrappers import Response

from requests_oauth2client import (
    ApiClient,
    AuthorizationRequestSerializer,
    AuthorizationResponseError,
    ClientSecretBasic,
    IdToken,
    InvalidAuthResponse,
    InvalidIdToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
)
from requests_oauth2client.flask.auth import FlaskSessionAuthMixin

SETTINGS = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "REDIRECT_URI", "API_URL", "SECRET_KEY", "SCOPE", "TESTING")
REQUEST_KEY = "authorization_request"  # the pending authorization request, in the session
TOKEN_KEY = "token"  # the user's token, in the session
USER_KEY = "user"  # who the user is (from the validated ID Token), in the session

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
{% if message %}<p id="message">{{ message }}</p>{% endif %}
{% if data %}<pre id="data">{{ data }}</pre>{% endif %}
{% if user %}
  <p id="user">Logged in as {{ user.name or user.sub }}</p>
  <p><a href="{{ url_for('call_api') }}">Call the API</a></p>
  <form method="post" action="{{ url_for('logout') }}"><button type="submit">Log out</button></form>
{% else %}
  <p><a href="{{ url_for('login') }}">Log in</a></p>
{% endif %}
{% if title != "Home" %}<p><a href="{{ url_for('index') }}">Home</a></p>{% endif %}
</body></html>
"""


class FlaskUserTokenAuth(FlaskSessionAuthMixin, OAuth2AccessTokenAuth):
    """The token of the current user, kept in their Flask session, refreshed with its refresh token when it expires."""


def page(title: str, message: str | None = None, data: str | None = None, status: int = 200) -> tuple[str, int]:
    """A page of this application (Jinja2 escapes every value)."""
    html = render_template_string(PAGE, title=title, message=message, data=data, user=session.get(USER_KEY))
    return html, status


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the application; `config` takes precedence over the environment variables."""
    settings: dict[str, Any] = {name: os.environ[name] for name in SETTINGS if name in os.environ}
    settings.update(config or {})
    app = Flask(__name__)
    app.secret_key = settings["SECRET_KEY"]
    app.config.update(SESSION_COOKIE_SAMESITE="Lax")  # sent back on the redirect from the AS, a top-level GET

    oauth_client = OAuth2Client.from_discovery_endpoint(
        issuer=settings["ISSUER"],
        auth=ClientSecretBasic(settings["CLIENT_ID"], settings["CLIENT_SECRET"]),
        redirect_uri=settings["REDIRECT_URI"],
        testing=settings.get("TESTING") == "1",
    )
    request_serializer = AuthorizationRequestSerializer()
    user_auth = FlaskUserTokenAuth(session_key=TOKEN_KEY, client=oauth_client, token=None)
    api = ApiClient(settings["API_URL"], auth=user_auth)
    scope = settings.get("SCOPE", "openid profile email")

    @app.get("/")
    def index() -> tuple[str, int]:
        return page("Home")

    @app.get("/login")
    def login() -> Response:
        authorization_request = oauth_client.authorization_request(scope=scope)
        session[REQUEST_KEY] = request_serializer.dumps(authorization_request).decode()
        return redirect(authorization_request.uri)

    @app.get("/callback")
    def callback() -> Response | tuple[str, int]:
        serialized = session.pop(REQUEST_KEY, None)  # one response per request: a replayed callback finds none
        if serialized is None:
            return page("Login failed", "No login is in progress in this browser.", status=400)
        authorization_request = request_serializer.loads(serialized)
        try:
            response = authorization_request.validate_callback(request.query_string.decode())
            token = oauth_client.authorization_code(response)
        except AuthorizationResponseError as exc:
            return page("Login failed", f"The authorization server said: {exc.error}", status=403)
        except (InvalidAuthResponse, InvalidIdToken) as exc:
            reason = type(exc).__name__  # the details (expected values...) are for the logs, not for the page
            return page("Login failed", f"The answer of the authorization server is not valid ({reason}).", status=400)
        user_auth.token = token  # stored in the session
        if isinstance(token.id_token, IdToken):  # validated by authorization_code(): it says who logged in
            profile = oauth_client.userinfo(token)  # and the UserInfo endpoint tells more about them
            session[USER_KEY] = {"sub": token.id_token.subject, "name": profile.get("name")}
        return redirect(url_for("index"))

    @app.get("/api")
    def call_api() -> Response | tuple[str, int]:
        if USER_KEY not in session:
            return redirect(url_for("login"))
        answer = api.get("resource").json()  # with the user's token, refreshed if needed
        return page("API", "The API answered:", data=json.dumps(answer, indent=2))

    @app.post("/logout")
    def logout() -> Response:
        session.clear()
        return redirect(url_for("index"))

    return app
