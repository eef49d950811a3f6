"""Run in a subprocess by the fault test: seed N active subscribers and one send, print its id.

Usage: python tests/delivery/seed_send.py N   (with MASTHEAD_DATA_DIR etc. in the environment)
"""

import os
import sys


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.delivery.services.fan_out import create_send
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
    send = create_send(post)
    print(send.id, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
