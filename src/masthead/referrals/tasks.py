"""Emails of the referral programme, sent by the worker."""

from django.tasks import task
from django.utils import timezone

from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import send_system_mail
from masthead.publications.links import publication_link
from masthead.referrals.models import RewardGrant
from masthead.referrals.services import complimentary_access_until


@task()
def send_reward_email(grant_id: int, attempt: int = 0) -> None:
    """Tell the referrer about their reward, once: the grant is claimed before sending."""
    grant = (
        RewardGrant.objects.select_related("publication", "person")
        .filter(id=grant_id, emailed_at__isnull=True)
        .first()
    )
    if grant is None:
        return
    publication = grant.publication
    # Built before the claim, so that a failure to build leaves nothing claimed.
    message = build_email(
        "referral_reward",
        grant.person.email,
        {
            "publication": publication,
            "grant": grant,
            "access_until": complimentary_access_until(publication, grant.person),
            "leaderboard_url": publication_link(publication, "referrals:leaderboard"),
        },
        from_email=publication_sender(publication),
    )
    claimed = RewardGrant.objects.filter(id=grant_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:  # another run sent it meanwhile
        return
    send_system_mail(
        message,
        task=send_reward_email,
        args=[grant_id],
        attempt=attempt,
        # Released so that a retry (or the task run again once fixed) can send it.
        on_unsent=lambda: RewardGrant.objects.filter(id=grant_id).update(emailed_at=None),
    )
