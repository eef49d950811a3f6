"""Emails of paid subscriptions, sent by the worker."""

from django.tasks import task

from masthead.billing.models import PaidSubscription
from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import send_system_mail
from masthead.publications.links import publication_link


@task()
def send_payment_failed_email(paid_id: int, invoice_id: str, attempt: int = 0) -> None:
    """Tell a reader their renewal failed and where to fix the card; while Stripe retries,
    they keep reading."""
    paid = (
        PaidSubscription.objects.select_related(
            "subscription__person", "subscription__publication", "plan"
        )
        .filter(id=paid_id, status="past_due")
        .first()
    )
    if paid is None:  # paid meanwhile, or ended: nothing to fix
        return
    publication = paid.subscription.publication
    message = build_email(
        "payment_failed",
        paid.subscription.person.email,
        {
            "publication": publication,
            "paid": paid,
            "account_url": publication_link(publication, "billing:account"),
        },
        from_email=publication_sender(publication),
        headers={"X-Masthead-Invoice": invoice_id[:100]},
    )
    send_system_mail(
        message, task=send_payment_failed_email, args=[paid_id, invoice_id], attempt=attempt
    )
