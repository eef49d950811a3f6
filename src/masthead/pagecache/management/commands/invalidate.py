"""`masthead invalidate`: mark a publication's stored pages (or one post's page) as changed,
as a publish or an edit does; for operators after changing data by hand, and for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from masthead.pagecache import invalidation
from masthead.publications.models import Publication


class Command(BaseCommand):
    help = "Mark a publication's stored pages, or one post's page, as changed."

    def add_arguments(self, parser):
        parser.add_argument("--publication", help="the publication's slug (default: every page)")
        parser.add_argument("--post", help="only this post's page (its slug)")

    def handle(self, *args, publication=None, post=None, **options):
        if publication is None:
            if post:
                raise CommandError("--post needs --publication.")
            invalidation.site_changed()
            self.stdout.write("Every stored page is marked as changed.")
            return
        found = Publication.objects.filter(slug=publication).first()
        if found is None:
            raise CommandError(f"No publication with the slug “{publication}”.")
        if post:
            invalidation.post_changed(found.id, post, lists=False)
            self.stdout.write(f"The page of “{post}” in {found.name} is marked as changed.")
        else:
            invalidation.publication_changed(found.id)
            self.stdout.write(f"Every stored page of {found.name} is marked as changed.")
