"""Keep a ?r=CODE referral code from any page in the session, so sign-up can record it."""

import re

REFERRAL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SESSION_KEY = "referral_code"


class ReferralMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.GET.get("r", "")
        if code and REFERRAL_CODE.match(code):
            request.session[SESSION_KEY] = code
        return self.get_response(request)


def referral_code_of(request) -> str:
    code = request.POST.get("r") or request.session.get(SESSION_KEY, "")
    return code if REFERRAL_CODE.match(code or "") else ""
