"""The version of this package (single source, read by the build backend)."""

__version__ = "1.8.0"
