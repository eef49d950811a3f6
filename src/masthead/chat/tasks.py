"""Chat emails: the announcement of a chat's first thread."""

from django.tasks import task

from masthead.chat import rules
from masthead.chat.models import ChatMessage, ChatReaders
from masthead.core.mail import build_email, publication_sender
from masthead.publications.links import publication_link
from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe_token


@task()
def announce_first_thread(publication_id: int) -> int:
    """Tell the subscribers who may read the chat that it has started; returns emails sent."""
    publication = Publication.objects.filter(id=publication_id).first()
    if publication is None or rules.settings_for(publication).readers == ChatReaders.PAID:
        return 0  # paid subscribers do not exist yet: there is nobody to announce to
    thread = (
        ChatMessage.objects.filter(publication=publication, thread__isnull=True)
        .select_related("author")
        .order_by("id")
        .first()
    )
    if thread is None:
        return 0
    chat_url = publication_link(publication, "chat:room")
    sent = 0
    subscriptions = Subscription.objects.filter(
        publication=publication, status=SubscriptionStatus.ACTIVE
    ).select_related("person")
    for subscription in subscriptions.iterator():
        build_email(
            "chat_first_thread",
            subscription.person.email,
            {
                "publication": publication,
                "thread": thread,
                "chat_url": chat_url,
                "unsubscribe_url": publication_link(
                    publication, "subscriptions:unsubscribe", unsubscribe_token(subscription)
                ),
            },
            from_email=publication_sender(publication),
        ).send()
        sent += 1
    return sent
