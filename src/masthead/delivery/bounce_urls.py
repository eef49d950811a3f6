"""Desk pages and webhooks for bounces, complaints and suppressions."""

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.resend import ResendTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.urls import path

from masthead.delivery import desk_suppressions
from masthead.delivery.bounces import tracking_webhook

# The tracking webhooks of the providers settings.EMAIL_PROVIDER accepts, and none of anymail's
# other views: Masthead reads no inbound mail, and every mounted view is one more door.
TRACKING_WEBHOOKS = {
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "amazon_ses": AmazonSESTrackingWebhookView,
    "brevo": BrevoTrackingWebhookView,
    "resend": ResendTrackingWebhookView,
}

app_name = "bounces"
urlpatterns = [
    # e.g. /webhooks/anymail/postmark/tracking/ (basic auth with ANYMAIL["WEBHOOK_SECRET"]); the
    # events reach masthead.delivery.bounces through anymail's tracking signal.
    *(
        path(
            f"webhooks/anymail/{provider}/tracking/",
            tracking_webhook(view),
            name=f"{provider}_tracking_webhook",
        )
        for provider, view in TRACKING_WEBHOOKS.items()
    ),
    path(
        "desk/<slug:publication_slug>/suppressions/",
        desk_suppressions.desk_suppressions,
        name="desk_suppressions",
    ),
    path(
        "desk/<slug:publication_slug>/suppressions/<int:suppression_id>/remove/",
        desk_suppressions.desk_remove_suppression,
        name="desk_remove_suppression",
    ),
]
