"""Flask integration: auth handlers keeping their token in each user's session, a back-channel logout endpoint.

This subpackage needs Flask, an optional dependency: `pip install requests_oauth2client[flask]`.
"""

from __future__ import annotations

from requests_oauth2client.flask.auth import FlaskOAuth2ClientCredentialsAuth
from requests_oauth2client.flask.logout import backchannel_logout_view

__all__ = ["FlaskOAuth2ClientCredentialsAuth", "backchannel_logout_view"]
