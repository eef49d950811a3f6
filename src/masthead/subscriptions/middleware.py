"""Keep what a reader arrived with, so that sign-up can record it: a ?r=CODE referral code,
and the UTM parameters of the page they landed on (the latest landing wins)."""

import re

from masthead.stats.visits import utm_of_pairs

REFERRAL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SESSION_KEY = "referral_code"
UTM_SESSION_KEY = "landing_utm"


class ReferralMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.GET.get("r", "")
        if code and REFERRAL_CODE.match(code):
            request.session[SESSION_KEY] = code
        _keep_landing_utm(request)
        return self.get_response(request)


def _keep_landing_utm(request) -> None:
    publication = getattr(request, "publication", None)
    if publication is None or "utm_" not in request.META.get("QUERY_STRING", ""):
        return
    utm = utm_of_pairs((name, values[0]) for name, values in request.GET.lists() if values)
    if utm:  # for this publication only: another one on the same host has its own landing
        request.session[UTM_SESSION_KEY] = {"publication": publication.id, **utm}


def referral_code_of(request) -> str:
    code = request.POST.get("r") or request.session.get(SESSION_KEY, "")
    return code if REFERRAL_CODE.match(code or "") else ""


def landing_utm_of(request, publication) -> dict[str, str]:
    """The UTM parameters the reader landed on this publication with, if any."""
    kept = request.session.get(UTM_SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("publication") != publication.id:
        return {}
    return utm_of_pairs((name, value) for name, value in kept.items() if isinstance(value, str))
