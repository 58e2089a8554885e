"""The parts `OAuth2Client` is assembled from (the facade is `requests_oauth2client.client`)."""
