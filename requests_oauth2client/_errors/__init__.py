"""Error classes that lower layers raise; the public modules re-export them."""
