"""Sign-in links handed over on the command line instead of by email: the demo's banner gives the
writer one, and `masthead signinlink` gives one to any account, for whoever runs the install."""

from masthead.accounts.models import Person, SignInLink
from masthead.accounts.services import normalize_email, sign_in_token
from masthead.core.redirects import safe_next_path
from masthead.publications.links import install_link


class NoSuchAccount(Exception):
    pass


def create_sign_in_url(email: str, next_path: str = "") -> str:
    """A fresh single-use link, like the emailed ones (same lifetime, same one-button page).

    Only for an existing account: a mistyped address would otherwise create a new person.
    """
    email = normalize_email(email)
    if not Person.objects.filter(email__iexact=email, is_active=True).exists():
        raise NoSuchAccount(f"No active account has the address {email}.")
    link = SignInLink.objects.create(email=email, next_url=safe_next_path(next_path))
    return install_link("accounts:sign_in_link", sign_in_token(link))
