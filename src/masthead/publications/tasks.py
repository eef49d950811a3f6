"""Emails about publications' teams."""

from django.tasks import task

from masthead.core.mail import build_email, publication_sender
from masthead.publications.links import install_link
from masthead.publications.models import Invitation
from masthead.publications.services import invitation_token


@task()
def send_invitation(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("publication", "invited_by")
        .filter(id=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    build_email(
        "invitation",
        invitation.email,
        {
            "invitation": invitation,
            "publication": invitation.publication,
            "url": install_link("desk:accept_invitation", invitation_token(invitation)),
        },
        from_email=publication_sender(invitation.publication),
    ).send()
