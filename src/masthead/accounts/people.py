"""People an import or a script adds by address (subscribers, authors): found, or created
without a password (they sign in by email link)."""

import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models.functions import Lower
from django.utils import timezone

from masthead.accounts.models import Person


def people_ids(emails) -> dict[str, int]:
    return dict(
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=list(emails))
        .values_list("email_lower", "id")
    )


def ensure_people(names_by_email: dict[str, str], now=None) -> dict[str, int]:
    """Ids of the people with these (normalised) addresses, creating those without an account.

    People who have an account keep their name: one publication's export must not rename
    someone on the whole install.
    """
    ids = people_ids(names_by_email)
    missing = [email for email in names_by_email if email not in ids]
    if missing:
        now = now or timezone.now()
        Person.objects.bulk_create(
            [
                Person(
                    email=email,
                    display_name=names_by_email[email][:80],
                    password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                    created_at=now,
                )
                for email in missing
            ],
            ignore_conflicts=True,
        )
        ids.update(people_ids(missing))
    return ids
