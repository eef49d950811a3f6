"""`masthead relink-stripe --publication SLUG`: move imported paying readers onto their Stripe subscriptions."""

from django.core.management.base import BaseCommand, CommandError

from masthead.billing import gateway
from masthead.billing.relink import relink_imported_customers
from masthead.publications.models import Publication


class Command(BaseCommand):
    help = "Link imported paying readers to their live Stripe subscriptions and end their comps."

    def add_arguments(self, parser):
        parser.add_argument("--publication", required=True, help="the publication's slug")

    def handle(self, *args, publication, **options):
        target = Publication.objects.filter(slug=publication).first()
        if target is None:
            raise CommandError(f"No publication with the slug {publication!r}.")
        if not gateway.is_configured():
            raise CommandError(
                "Stripe is not configured: set MASTHEAD_STRIPE_SECRET_KEY and "
                "MASTHEAD_STRIPE_PUBLISHABLE_KEY to the account holding the subscriptions."
            )
        try:
            result = relink_imported_customers(target)
        except gateway.PaymentsUnavailable as error:
            raise CommandError(str(error)) from None
        for email in result.linked:
            self.stdout.write(f"linked      {email}")
        for email, why in result.not_linked:
            self.stdout.write(f"not linked  {email}: {why}")
        self.stdout.write(
            f"{len(result.linked)} linked, {len(result.not_linked)} still on complimentary access."
        )
