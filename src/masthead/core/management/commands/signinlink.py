"""`masthead signinlink EMAIL`: print a single-use sign-in link for an existing account."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from masthead.demo.sign_in import NoSuchAccount, create_sign_in_url


class Command(BaseCommand):
    help = (
        "Print a single-use sign-in link for an existing account, valid for "
        f"{settings.SIGN_IN_LINK_MINUTES} minutes, opening the desk (or --next PATH)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--next", default="/desk/", help="where the link lands (a path)")

    def handle(self, *args, **options):
        try:
            url = create_sign_in_url(options["email"], options["next"])
        except NoSuchAccount as error:
            raise CommandError(str(error)) from None
        self.stdout.write(url)
