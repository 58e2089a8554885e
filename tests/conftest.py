"""Fixtures shared by every kind of test.

`tests/services/plugin.py` provides the real services (Redis, Chromium through Playwright) and saves screenshots
of failing browser tests; `pytester` lets the service self-tests run a small pytest session of their own.
"""

pytest_plugins = ["pytester", "tests.services.plugin"]
