"""`masthead createpublication`: the operator starts a publication for an owner, from the shell."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from masthead.publications.services import PublicationError, create_publication


class Command(BaseCommand):
    # Whoever runs this is the install's operator: MASTHEAD_PUBLICATION_CREATORS, which limits
    # who may start a publication from the desk, does not apply, whoever the owner is.
    help = (
        "Create a publication owned by a person (created if new), optionally on host names. "
        "Run by the operator, so MASTHEAD_PUBLICATION_CREATORS does not limit it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="the owner's email address")
        parser.add_argument("--slug", default="")
        parser.add_argument("--tagline", default="")
        parser.add_argument("--host", action="append", default=[], help="a host name; repeatable")

    def handle(self, *args, **options):
        try:
            validate_email(options["owner"])
        except ValidationError:
            raise CommandError(f"{options['owner']!r} is not a valid email address.") from None
        try:
            publication = create_publication(
                name=options["name"], owner_email=options["owner"], slug=options["slug"],
                tagline=options["tagline"], hosts=options["host"],
            )  # fmt: skip
        except PublicationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created {publication.name}: /pub/{publication.slug}/")
