"""Fixtures for automations: subscribers who confirmed through the real services, emails made
with the desk's service, and the real worker."""

import pytest
from django.core.management import call_command

from masthead.automations import services
from masthead.subscriptions.models import Subscription
from masthead.subscriptions.services import confirm_subscription, confirmation_token, subscribe


def confirmed_subscriber(publication, email: str) -> Subscription:
    """A reader who subscribed and clicked the confirmation link, now."""
    outcome = subscribe(publication, email, client=email)
    subscription = Subscription.objects.get(publication=publication, person__email=email)
    assert outcome is not None
    confirm_subscription(confirmation_token(subscription))
    subscription.refresh_from_db()
    return subscription


def make_email(publication, kind="welcome", delay_days=0, subject="Welcome!", **fields):
    fields.setdefault(
        "body_markdown", f"Hello from **{subject}**. [Our site](https://example.com/)"
    )
    return services.create_email(
        publication, kind=kind, delay_days=delay_days, subject=subject, **fields
    )


@pytest.fixture
def run_masthead_worker(db, monkeypatch):
    """`masthead worker` itself (its recovery round runs the automations first), until no task
    is ready."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    monkeypatch.setattr(
        "masthead.delivery.management.commands.worker.close_all_connections", lambda: None
    )

    def run() -> None:
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run


def automation_mail(sink, subject: str) -> list:
    return [message for message in sink.messages if message.subject == subject]
