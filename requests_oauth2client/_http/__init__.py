"""The HTTP side: origins, resending once from a response hook, DPoP header values, and the transport."""
