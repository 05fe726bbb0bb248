"""Login throttling: django-axes counts failed logins per (username, client IP) on every login form that
authenticates with the request (the admin's, the workbench's); after AXES_FAILURE_LIMIT failures that pair
is locked out for AXES_COOLOFF_TIME, the right password included."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check, for logins that come from a request. A login without one (a test client's `login`, a
    script) is not a login form and has no client to throttle: it passes on to the password check."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
