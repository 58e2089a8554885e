"""The `requests` auth handlers (public names in `requests_oauth2client.auth`)."""
