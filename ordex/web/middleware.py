"""A logged-in person's language and time zone follow them (Django's language cookie alone is per browser)."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware: a user's saved language wins over the
    browser's Accept-Language and cookie; times are shown in the user's zone (default Asia/Shanghai)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language in LANGUAGE_CODES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
