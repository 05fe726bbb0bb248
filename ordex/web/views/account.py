"""Logging in and out, and the language a person works in (saved on their user, so it follows them)."""

from django.contrib.auth import views as auth_views
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from ordex.accounts.services import set_user_language

from ..middleware import LANGUAGE_CODES

login = auth_views.LoginView.as_view(redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()


@require_POST
def language(request):
    """Django's set_language (cookie, redirect to `next`), and for a logged-in person their saved choice."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in LANGUAGE_CODES:
        set_user_language(request.user, code)
    return response
