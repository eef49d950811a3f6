"""Tasks of the accounts app: they take ids, load rows and send."""

from django.conf import settings
from django.tasks import task

from masthead.accounts.models import SignInLink
from masthead.accounts.services import sign_in_token
from masthead.core.mail import build_email
from masthead.publications.links import install_link, site_path


@task()
def send_sign_in_link(link_id: int) -> None:
    link = SignInLink.objects.filter(id=link_id, used_at__isnull=True).first()
    if link is None:
        return
    if link.origin:
        url = link.origin + site_path("accounts:sign_in_link", sign_in_token(link))
    else:
        url = install_link("accounts:sign_in_link", sign_in_token(link))
    build_email(
        "sign_in",
        link.email,
        {"url": url, "minutes": settings.SIGN_IN_LINK_MINUTES},
    ).send()
