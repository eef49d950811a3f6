"""Tasks of the accounts app: they take ids, load rows and send."""

import datetime as dt

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from masthead.accounts.models import SignInLink
from masthead.accounts.services import sign_in_token
from masthead.core.mail import build_email
from masthead.core.system_mail import drop_expired, send_system_mail
from masthead.publications.links import install_link, publication_link


@task()
def send_sign_in_link(link_id: int, attempt: int = 0) -> None:
    link = (
        SignInLink.objects.select_related("publication")
        .filter(id=link_id, used_at__isnull=True)
        .first()
    )
    if link is None:
        return
    expires_at = link.created_at + dt.timedelta(minutes=settings.SIGN_IN_LINK_MINUTES)
    if timezone.now() >= expires_at:
        # Its link would no longer work; the reader asks for a new one.
        drop_expired(send_sign_in_link, [link_id], "the sign-in link expired before it could go")
        return
    # Built from configured addresses only: a request's Host header never reaches an email.
    if link.publication is not None:
        url = publication_link(link.publication, "accounts:sign_in_link", sign_in_token(link))
    else:
        url = install_link("accounts:sign_in_link", sign_in_token(link))
    context = {
        "url": url,
        "minutes": settings.SIGN_IN_LINK_MINUTES,
        "publication": link.publication,
    }
    message = build_email("sign_in", link.email, context)
    send_system_mail(message, task=send_sign_in_link, args=[link_id], attempt=attempt)
