"""JOSE pieces of our own: the compact JWS writer, encodings, and the pure checks of signed tokens."""
