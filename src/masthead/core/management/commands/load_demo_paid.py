from django.core.management.base import BaseCommand, CommandError

from masthead.demo.paid import NotAStandIn, load_demo_paid


class Command(BaseCommand):
    help = "Give the demo publication paid plans on the demo's localstripe (make demo PAID=1)."

    def add_arguments(self, parser):
        parser.add_argument("site_url", help="where the demo serves, for localstripe's webhook")

    def handle(self, *args, site_url, **options):
        try:
            plans = load_demo_paid(site_url)
        except NotAStandIn as error:
            raise CommandError(str(error)) from None
        names = ", ".join(f"{plan.name} {plan.amount / 100:.0f} {plan.currency}" for plan in plans)
        self.stdout.write(f"Paid plans ready: {names}")
