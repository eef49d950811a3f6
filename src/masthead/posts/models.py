"""Posts, their authors and their old addresses; counters are recounted by engagement services."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication, Section


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    # Signed-in readers with an active subscription, free or paid (Substack's "only free").
    SUBSCRIBERS = "subscribers", "Subscribers only"
    PAID = "paid", "Paid subscribers"


class PostKind(models.TextChoices):
    """What a post is; the values are masthead.importers.source.PostKind's."""

    POST = "post", "Post"
    # Served at /p/<slug>/ but never listed, counted or emailed: an About or a Links page.
    PAGE = "page", "Page"
    THREAD = "thread", "Discussion thread"
    PODCAST = "podcast", "Podcast"


class SubjectTestMetric(models.TextChoices):
    """What decides a subject test: the line whose sample opened (or clicked) the most."""

    OPENS = "opens", "Opens"
    CLICKS = "clicks", "Clicks"


class Post(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=120)
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    preview_html = models.TextField(blank=True, editable=False)
    # Shown on the home page, the archive, the post, its email and as its og:image.
    cover_image = models.ImageField(upload_to="covers/", blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PostAuthor", related_name="authored_posts"
    )
    status = models.CharField(max_length=10, choices=PostStatus.choices, default=PostStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.EVERYONE)
    kind = models.CharField(max_length=10, choices=PostKind.choices, default=PostKind.POST)
    # A podcast's episode; played only when posts.audio says the address is safe to put in a page.
    audio_url = models.URLField(max_length=1000, blank=True)
    # Quiet labels under the byline (imported from Substack, Ghost or WordPress, or typed).
    tags = models.JSONField(default=list, blank=True)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Denormalised from engagement rows (recounted in the same transaction as each change), so
    # that the archive sorts and pages 10,000 posts by likes or comments with an index.
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    last_comment_at = models.DateTimeField(null=True, blank=True)
    # The publication's staff can close a post's comments; existing ones stay visible.
    comments_enabled = models.BooleanField(default=True)

    # The writer asked for this post to go out by email when it is published; sending is the
    # delivery app's job, which reads these two fields.
    email_requested = models.BooleanField(default=False)
    email_requested_at = models.DateTimeField(null=True, blank=True)
    # The email's own subject (blank: the title) and the line inbox lists show after it (blank:
    # the subtitle or the first words, delivery.messages).
    email_subject = models.CharField(max_length=300, blank=True)
    preview_text = models.CharField(max_length=300, blank=True)
    # A subject test: these lines (up to three) compete with the email subject in a sample of
    # the subscribers; after the wait the line with the most opens or clicks goes to the rest
    # (delivery.services.subject_tests). No lines: no test.
    subject_test_lines = models.JSONField(default=list, blank=True)
    subject_test_sample_percent = models.PositiveSmallIntegerField(default=10)
    subject_test_wait_hours = models.PositiveSmallIntegerField(default=4)
    subject_test_metric = models.CharField(
        max_length=6, choices=SubjectTestMetric.choices, default=SubjectTestMetric.OPENS
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "slug"], name="post_slug_unique"),
        ]
        indexes = [
            models.Index(
                fields=["publication", "status", "-published_at", "-id"], name="post_latest_idx"
            ),
            models.Index(
                fields=["publication", "status", "-like_count", "-published_at"],
                name="post_top_idx",
            ),
            models.Index(
                fields=["publication", "status", "-comment_count", "-last_comment_at"],
                name="post_discussed_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def is_paid(self) -> bool:
        return self.audience == Audience.PAID

    @property
    def is_for_subscribers(self) -> bool:
        return self.audience == Audience.SUBSCRIBERS

    @property
    def is_page(self) -> bool:
        return self.kind == PostKind.PAGE

    @property
    def tag_labels(self) -> list[str]:
        """The tags that can be shown: strings only, whatever an import left in the column."""
        if not isinstance(self.tags, list):
            return []
        return [tag for tag in self.tags if isinstance(tag, str) and tag.strip()]


class PostAuthor(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bylines")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="post_author_unique"),
        ]

    def __str__(self):
        return f"{self.person} on {self.post}"


class PostSlugRedirect(models.Model):
    """An address a published post used to have: the public post page 301-redirects it."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="post_slug_redirects"
    )
    old_slug = models.SlugField(max_length=120)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "old_slug"], name="post_slug_redirect_unique"
            ),
        ]

    def __str__(self):
        return f"{self.old_slug} → {self.post_id}"
