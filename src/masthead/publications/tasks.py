"""Emails about publications' teams."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import drop_expired, send_system_mail
from masthead.publications.links import install_link
from masthead.publications.models import Invitation
from masthead.publications.services import INVITATION_DAYS, invitation_token


@task()
def send_invitation(invitation_id: int, attempt: int = 0) -> None:
    invitation = (
        Invitation.objects.select_related("publication", "invited_by")
        .filter(id=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:  # accepted or withdrawn meanwhile
        return
    if timezone.now() - invitation.created_at >= dt.timedelta(days=INVITATION_DAYS):
        drop_expired(send_invitation, [invitation_id], "the invitation is too old")
        return
    message = build_email(
        "invitation",
        invitation.email,
        {
            "invitation": invitation,
            "publication": invitation.publication,
            "url": install_link("desk:accept_invitation", invitation_token(invitation)),
        },
        from_email=publication_sender(invitation.publication),
    )
    send_system_mail(message, task=send_invitation, args=[invitation_id], attempt=attempt)
