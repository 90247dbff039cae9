"""Token authentication that resists guessing: failed attempts are throttled.

`ThrottledTokenAuthentication` is DRF's TokenAuthentication plus two DRF rate throttles
that count FAILED attempts only (an unknown or malformed token), one per client IP and one
per token prefix (the first TOKEN_PREFIX_LENGTH characters, hashed). Once either has seen
its rate (HEALTHKIT_AUTH_FAILURES_PER_IP, HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX), every
token request from that IP or with that prefix is answered 429 with `Retry-After`, valid or
not, until the window has room again. The counters live in the `throttle` cache (the
database), so they hold across api processes and tasks. A request without a token is not a
guess: it gets its 401 and counts nothing.
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import caches
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

TOKEN_PREFIX_LENGTH = 8
THROTTLE_CACHE = "throttle"


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """A sliding window of failed authentications per `ident` (DRF's SimpleRateThrottle history)."""

    rate_setting = ""

    def __init__(self) -> None:
        self.cache = caches[THROTTLE_CACHE]
        super().__init__()

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def ident(self, request) -> str:
        raise NotImplementedError

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident(request)}

    def _history(self, key: str, now: float) -> list[float]:
        return [moment for moment in self.cache.get(key, []) if moment > now - self.duration]

    def retry_after(self, request) -> int | None:
        """Seconds until another attempt may be made; None when one may be made now."""
        now = self.timer()
        history = self._history(self.get_cache_key(request), now)
        if len(history) < self.num_requests:
            return None
        return max(1, math.ceil(history[self.num_requests - 1] + self.duration - now))

    def failure_record(self, request) -> None:
        now = self.timer()
        key = self.get_cache_key(request)
        self.cache.set(key, [now, *self._history(key, now)], self.duration)


class FailuresPerClientIp(FailedAuthenticationThrottle):
    scope = "auth_failures_ip"
    rate_setting = "HEALTHKIT_AUTH_FAILURES_PER_IP"

    def ident(self, request) -> str:
        return self.get_ident(request) or "unknown"


class FailuresPerTokenPrefix(FailedAuthenticationThrottle):
    scope = "auth_failures_token"
    rate_setting = "HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX"

    def ident(self, request) -> str:
        credentials = get_authorization_header(request).split()
        prefix = credentials[1][:TOKEN_PREFIX_LENGTH] if len(credentials) > 1 else b""
        return hashlib.sha256(prefix).hexdigest()[:32]


class ThrottledTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused with 429 after too many failed attempts."""

    throttle_classes = (FailuresPerClientIp, FailuresPerTokenPrefix)

    def _presents_token(self, request) -> bool:
        credentials = get_authorization_header(request).split()
        return bool(credentials) and credentials[0].lower() == self.keyword.lower().encode()

    def authenticate(self, request):
        if not self._presents_token(request):
            return None
        throttles = [throttle_class() for throttle_class in self.throttle_classes]
        waits = [wait for wait in (throttle.retry_after(request) for throttle in throttles) if wait]
        if waits:
            raise exceptions.Throttled(wait=max(waits))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            for throttle in throttles:
                throttle.failure_record(request)
            raise
