"""The module of the polling base class in version 1.7, renamed `polling` since: kept so that 1.7 imports work.

`BaseTokenEndpointPoolingJob` is the deprecated alias of `polling.BaseTokenEndpointPollingJob` (see `deprecated`).
"""

from __future__ import annotations

from requests_oauth2client.deprecated import BaseTokenEndpointPoolingJob

__all__ = ["BaseTokenEndpointPoolingJob"]
