"""Flask integration: auth handlers that keep their token in the Flask session of each user.

This subpackage needs Flask, an optional dependency: `pip install requests_oauth2client[flask]`.
"""

from __future__ import annotations

from requests_oauth2client.flask.auth import FlaskOAuth2ClientCredentialsAuth

__all__ = ["FlaskOAuth2ClientCredentialsAuth"]
