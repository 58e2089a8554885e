"""The internals of token stores (the public facade is `requests_oauth2client.token_store`)."""
