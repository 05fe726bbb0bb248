"""The customer's self-service page (no login): one signed link, one case. Every POST acts through
`actions` and redirects back to the page with what happened; a bad link gets a page that says why and
changes nothing. Pages are mobile-first and carry no inline script or style (CSP `default-src 'self'`)."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render as render_page
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ordex.core.errors import DomainError

from . import actions, links, queries
from .choices import Language

RESULTS = {
    "chosen": lambda: _("Thank you, we have your choice and will carry on straight away."),
    "address": lambda: _("Thank you, we have your address and will check it before the parcel leaves."),
    "photo": lambda: _("Thank you, the photo has reached us."),
    "rated": lambda: _("Thank you for telling us how we did."),
}
BAD_LINK = {
    "tampered": lambda: _("This link is not valid. Please use the link from our message exactly as it came."),
    "expired": lambda: _("This link has expired. Contact us and we will send you a new one."),
    "revoked": lambda: _("This link has been withdrawn. Contact us and we will send you a new one."),
    "closed": lambda: _("This case is closed, so the link no longer works. Contact us if something is still wrong."),
    "busy": lambda: _("Too many requests from this link. Please wait a few minutes and try again."),
}


def _language(request) -> str:
    wanted = request.GET.get("lang") or request.POST.get("lang") or request.LANGUAGE_CODE
    return Language.EN if str(wanted).startswith("en") else Language.ZH_HANS


def _page(request, template, context, status=200):
    language = _language(request)
    with translation.override(language):
        context = {"language": language, "other_language": Language.EN if language == Language.ZH_HANS else Language.ZH_HANS,
                   **context}
        if "view_builder" in context:
            context["view"] = context.pop("view_builder")(language)
        response = render_page(request, template, context, status=status)
    response["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; form-action 'self'"
    # same-origin: the token never leaves in a Referer, yet form posts keep their Origin for the CSRF check
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _too_many(link_key: str) -> bool:
    """At most ORDEX_LINK_RATE_PER_10_MIN requests per link in ten minutes."""
    key = f"notify-link-rate:{link_key}"
    cache.add(key, 0, timeout=600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=600)
        count = 1
    return count > settings.ORDEX_LINK_RATE_PER_10_MIN


def _open(request, token):
    """(link, None) or (None, bad-link response)."""
    if _too_many(token[:60]):
        return None, _bad(request, "busy")
    try:
        return links.open_link(token), None
    except links.BadLink as bad:
        return None, _bad(request, bad.reason)


def _bad(request, reason):
    language = _language(request)
    with translation.override(language):
        text = BAD_LINK[reason]()
    status = {"expired": 410, "revoked": 410, "closed": 410, "busy": 429}.get(reason, 404)
    return _page(request, "notify/bad_link.html", {"reason": reason, "text": text}, status=status)


@require_GET
def self_service(request, token):
    link, bad = _open(request, token)
    if bad is not None:
        return bad
    language = _language(request)
    with translation.override(language):
        done = RESULTS[request.GET["done"]]() if request.GET.get("done") in RESULTS else ""
    error = request.GET.get("error", "")[:300]
    case = link.case
    return _page(request, "notify/self_service.html", {
        "token": token, "done": done, "error": error,
        "view_builder": lambda lang: queries.customer_view(case, lang),
    })


def _back(request, token, *, done="", error=""):
    url = reverse("notify:self-service", args=[token]) + f"?lang={_language(request)}"
    if done:
        url += f"&done={done}"
    if error:
        from urllib.parse import quote

        url += f"&error={quote(error)}"
    return HttpResponseRedirect(url)


def _act(request, token, done, act):
    link, bad = _open(request, token)
    if bad is not None:
        return bad
    try:
        with translation.override(_language(request)):
            act(link)
    except DomainError as exc:
        with translation.override(_language(request)):
            return _back(request, token, error=_customer_error(exc))
    return _back(request, token, done=done)


def _customer_error(exc: DomainError) -> str:
    texts = {
        "choice_deadline_passed": _("The time to choose has passed; the default applies."),
        "no_open_choice": _("There is nothing to choose any more."),
        "choice_not_offered": _("Please pick one of the options shown."),
        "address_unresolved": _("We could not read that address. Please give province, city, district and street."),
        "already_shipped": _("The parcel has already left, so the address can no longer change."),
        "evidence_too_large": _("That file is too large."),
        "unsupported_evidence_type": _("Please send a photo (JPEG, PNG, GIF or WebP) or a PDF."),
        "survey_already_answered": _("You have already rated this case. Thank you!"),
        "invalid_score": _("Please pick a score from 1 to 5."),
        "case_not_resolved": _("You can rate us once the case is settled."),
    }
    return texts.get(exc.code, _("That did not work. Please try again or contact us."))


@require_POST
def choose(request, token):
    return _act(request, token, "chosen", lambda link: actions.choose(link, request.POST.get("chosen", "")))


@require_POST
def address(request, token):
    return _act(request, token, "address", lambda link: actions.correct_address(
        link, request.POST.get("address", ""), receiver=request.POST.get("receiver", "")))


@require_POST
def photo(request, token):
    upload = request.FILES.get("photo")

    def act(link):
        if upload is None:
            raise DomainError("unsupported_evidence_type", "no file")
        actions.add_photo(link, upload, note=request.POST.get("note", "")[:300])

    return _act(request, token, "photo", act)


@require_POST
def rate(request, token):
    try:
        score = int(request.POST.get("score", "0"))
    except ValueError:
        score = 0
    return _act(request, token, "rated", lambda link: actions.rate(link, score, request.POST.get("comment", "")))
