"""Publications, the host names they answer on, their sections and who writes for them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.core.time_zones import default_time_zone


class CommentPolicy(models.TextChoices):
    SIGNED_IN = "signed_in", "Everyone signed in"
    SUBSCRIBERS = "subscribers", "Subscribers"
    # Whoever has paid access (billing.access): paying readers, grants, and the staff.
    PAID = "paid", "Paid subscribers"


class Publication(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    tagline = models.CharField(max_length=280, blank=True)
    about_markdown = models.TextField(blank=True)
    about_html = models.TextField(blank=True, editable=False)
    logo = models.ImageField(upload_to="logos/", blank=True)
    # The publication's face: links, buttons and quotes on its pages and in its emails.
    accent_color = models.CharField(max_length=7, default="#b4431b")
    # Shown in every email's footer: CAN-SPAM asks commercial email for a postal address.
    postal_address = models.TextField(max_length=500, blank=True)
    # og:image of pages without an image of their own (a post's cover comes first).
    social_image = models.ImageField(upload_to="social/", blank=True)
    # Dates and times on its pages, in its desk and in its emails are in this zone.
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    # The published pages' links for the site's footer, [{"id", "slug", "title"}] by title:
    # rewritten by the posts services whenever a page is published, changed or taken back,
    # so that no page view asks the database for them.
    page_links = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    comment_policy = models.CharField(
        max_length=12, choices=CommentPolicy.choices, default=CommentPolicy.SIGNED_IN
    )
    # Asked by its desk: robots.txt disallows everything, pages carry noindex, no sitemap.
    is_hidden_from_search_engines = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class PublicationHost(models.Model):
    """A host name (e.g. news.example.com) on which a publication answers at "/"."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(max_length=253, unique=True)

    def __str__(self):
        return self.host


class Section(models.Model):
    """A part of a publication with its own posts, page in the Archive, feed and email settings
    (Substack's sections, Ghost's newsletters); subscribers may leave one and keep the rest."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60)
    description = models.TextField(max_length=1000, blank=True)
    # Off: the section's posts are published on the web only, never emailed.
    sends_email = models.BooleanField(default=True)
    # The name in the From header of the section's emails; blank: the publication's name.
    sender_name = models.CharField(max_length=80, blank=True)
    # One short line at the foot of the section's emails, above the unsubscribe links.
    email_footer = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "slug"], name="section_slug_unique"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    AUTHOR = "author", "Author"


class Membership(models.Model):
    """A person's role on a publication's staff."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AUTHOR)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "person"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.person} ({self.role}) on {self.publication}"


class Invitation(models.Model):
    """An emailed invitation to join a publication's staff; accepted by its signed link."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AUTHOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invitation of {self.email} to {self.publication}"
