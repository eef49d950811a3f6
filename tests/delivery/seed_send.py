"""Run in a subprocess by the fault test: seed N active subscribers and one send, print its id.

Usage: python tests/delivery/seed_send.py N [--without-tasks]
(with MASTHEAD_DATA_DIR etc. in the environment). --without-tasks: the send's tasks are lost, as
if every worker carrying it had died between starting its task and queueing the next.
"""

import os
import sys


def main(count: int, is_without_tasks: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from masthead.accounts.models import Person
    from masthead.delivery.services.fan_out import create_send
    from masthead.delivery.tasks import run_send
    from masthead.posts.services import create_post
    from masthead.publications.models import Publication
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    publication = Publication.objects.create(name="Fault Line", slug="fault-line")
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(email=f"reader{n}@example.com", display_name=f"Reader {n}") for n in range(count)
    )
    Subscription.objects.bulk_create(
        Subscription(
            publication=publication, person=person, status=SubscriptionStatus.ACTIVE,
            confirmed_at=now,
        )
        for person in people
    )  # fmt: skip
    author = Person.objects.create_user("writer@example.com")
    post = create_post(
        publication, [author], title="Every reader, once", body_markdown="Hello **all**."
    )
    with transaction.atomic():
        send = create_send(post)
        if is_without_tasks:
            DBTaskResult.objects.filter(task_path=run_send.module_path).delete()
    print(send.id, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), "--without-tasks" in sys.argv[2:])
