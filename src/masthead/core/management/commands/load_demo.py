from django.core.management.base import BaseCommand

from masthead.demo.services import load_demo_publication


class Command(BaseCommand):
    help = "Create the demo publication Engineering At Scale (safe to run again)."

    def handle(self, *args, **options):
        publication = load_demo_publication()
        self.stdout.write(
            f"Demo publication ready: {publication.name} ({publication.posts.count()} posts)"
        )
