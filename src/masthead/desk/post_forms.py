"""Forms of the post editor: they parse and check input; the posts services make the changes."""

from dataclasses import replace

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from masthead.accounts.forms import ImageFileField
from masthead.core import images
from masthead.delivery.queries import newsletter_recipients
from masthead.delivery.services import subject_tests
from masthead.delivery.services.fan_out import is_tracking_on
from masthead.delivery.services.subject_tests import plan_test
from masthead.posts.audio import MAX_AUDIO_URL_CHARS, is_playable_audio_url
from masthead.posts.models import Audience, Post, PostKind, PostStatus, SubjectTestMetric
from masthead.posts.services import MAX_TAG_CHARS, MAX_TAGS, PostContent, has_slug_from_title
from masthead.publications.models import Publication

# About 50,000 words: longer than any newsletter post, short enough to render while typing.
MAX_BODY_CHARS = 300_000
MAX_SUBJECT_CHARS = 300
SLUG_PATTERN = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use only lowercase letters, digits and single hyphens, like “my-first-post”.",
)


def too_long(what: str) -> str:
    return f"Keep the {what} to %(limit_value)d characters or fewer (it has %(show_value)d)."


class SlugField(forms.CharField):
    """An address as typed: surrounding spaces dropped and letters lowercased before checking."""

    def to_python(self, value):
        return super().to_python(value).lower()


class MarkdownField(forms.CharField):
    """Markdown as typed; browsers send a textarea's line breaks as CRLF, stored here as LF."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class ImageForm(forms.Form):
    image = forms.FileField(
        required=False,
        label="Image",
        error_messages={"empty": "The file is empty. Choose an image file."},
    )
    image_alt = forms.CharField(
        required=False,
        max_length=300,
        label="Description (alt text)",
        help_text="What the image shows, for readers who cannot see it.",
        error_messages={"max_length": too_long("description")},
    )

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        try:
            return images.process_image(upload)
        except images.ImageRejected as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt", "Describe the image for readers who cannot see it (alt text)."
            )
        return cleaned


class ImageUploadForm(ImageForm):
    """The editor's image upload, on its own: an image is required."""

    def clean(self):
        cleaned = super().clean()
        if "image" not in self.errors and not cleaned.get("image"):
            self.add_error("image", "Choose an image file to insert.")
        return cleaned


class MarkdownPreviewForm(forms.Form):
    """The live preview's input: the Markdown, and what else the post's email is made of (to
    tell how big the email gets); an older page that sends only the Markdown still works."""

    body_markdown = MarkdownField(
        required=False,
        strip=False,
        max_length=MAX_BODY_CHARS,
        error_messages={"max_length": too_long("post")},
    )
    title = forms.CharField(max_length=200, required=False)
    subtitle = forms.CharField(max_length=300, required=False)
    audience = forms.ChoiceField(choices=Audience.choices, required=False)  # none: everyone


class TextListField(forms.CharField):
    """A list typed as one text, one item a line (split_text; tags override it), checked whole
    before it is split: no null character, at most MAX_CHARS in all."""

    MAX_CHARS = 1000
    NAME = "the list"  # for the message: "Keep the tags to 1000 characters in all"

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        if "\x00" in text:
            # Checked here: the field's own check runs on the list, where it cannot see one.
            raise forms.ValidationError("Null characters are not allowed.")
        if len(text) > self.MAX_CHARS:
            raise forms.ValidationError(
                f"Keep {self.NAME} to {self.MAX_CHARS} characters in all (they have {len(text)})."
            )
        return self.split_text(text)

    def split_text(self, text: str) -> list[str]:
        """One item a line, spaces collapsed, blank lines left out."""
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


class TagsField(TextListField):
    """Tags typed as "one, two, three": a list, with spaces collapsed and repeats dropped."""

    NAME = "the tags"

    def split_text(self, text: str) -> list[str]:
        tags: list[str] = []
        for part in text.split(","):
            tag = " ".join(part.split())
            if tag and tag.casefold() not in {known.casefold() for known in tags}:
                tags.append(tag)
        return tags

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def validate(self, value):
        if len(value) > MAX_TAGS:
            raise forms.ValidationError(
                f"Use at most {MAX_TAGS} tags (there are {len(value)}). Separate tags with commas."
            )
        for tag in value:
            if len(tag) > MAX_TAG_CHARS:
                raise forms.ValidationError(
                    f"Keep each tag to {MAX_TAG_CHARS} characters or fewer: "
                    f"“{tag[:MAX_TAG_CHARS]}…” has {len(tag)}."
                )


class PostContentForm(forms.Form):
    """What a post says and where it lives: saved by the editor and by autosave."""

    title = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Give the post a title.",
            "max_length": too_long("title"),
        },
    )
    subtitle = forms.CharField(
        max_length=300, required=False, error_messages={"max_length": too_long("subtitle")}
    )
    slug = SlugField(
        label="Address",
        max_length=120,
        required=False,
        validators=[SLUG_PATTERN],
        error_messages={"max_length": too_long("address")},
    )
    body_markdown = MarkdownField(
        label="Post",
        required=False,
        strip=False,
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Markdown: **bold**, *italic*, [link](https://…), ## heading, > quote.",
        error_messages={"max_length": too_long("post")},
    )
    section = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No section",
        error_messages={"invalid_choice": "Choose one of the publication's sections."},
    )
    audience = forms.ChoiceField(
        choices=Audience.choices,
        initial=Audience.EVERYONE,
        help_text=(
            "Everyone else sees the post's title, subtitle and the part above its paywall line: "
            "on the web for a subscribers-only post (every subscriber gets its email whole), on "
            "the web and by email for a paid post."
        ),
        error_messages={"invalid_choice": "Choose who may read the whole post."},
    )
    # Not required: a form from an older page, without these fields, leaves them as they are.
    kind = forms.ChoiceField(
        label="Kind",
        choices=PostKind.choices,
        required=False,
        help_text=(
            "A page (an About, a Links page) is listed at the foot of the site, never in the "
            "archive, and is never emailed."
        ),
        error_messages={
            "invalid_choice": "Choose a post, a page, a discussion thread or a podcast."
        },
    )
    audio_url = forms.CharField(
        label="Podcast audio address",
        max_length=MAX_AUDIO_URL_CHARS,
        required=False,
        help_text="For a podcast: the episode's audio file, an address starting with https://.",
        error_messages={"max_length": too_long("audio address")},
    )
    tags = TagsField(
        label="Tags",
        required=False,
        help_text=f"Separated by commas; at most {MAX_TAGS}, each up to {MAX_TAG_CHARS} characters.",
    )

    def __init__(self, publication: Publication, *args, post: Post | None = None, **kwargs):
        if post is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(post)
        super().__init__(*args, **kwargs)
        self.post = post
        self.fields["section"].queryset = publication.sections.order_by("name")
        slug_field = self.fields["slug"]
        if post is None or post.status != PostStatus.PUBLISHED:
            slug_field.help_text = (
                "The end of the post's web address. Leave empty to make it from the title."
            )
        else:
            slug_field.help_text = (
                "The end of the post's web address. Links to the old address keep working."
            )
        if post is not None:
            slug_field.widget.attrs["placeholder"] = post.slug

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean_subtitle(self):
        return " ".join(self.cleaned_data["subtitle"].split())

    def clean_audio_url(self):
        url = self.cleaned_data["audio_url"].strip()
        if url and not is_playable_audio_url(url):
            raise forms.ValidationError(
                "Enter the audio file's full address, starting with https:// (or http://)."
            )
        return url

    def is_sent(self, name: str) -> bool:
        """Whether the page had this field at all (an older page may not)."""
        return name in self.data

    @property
    def chosen_kind(self) -> str:
        """The kind the post will have: the one chosen, else the one it has."""
        chosen = self.cleaned_data.get("kind") if self.is_sent("kind") else ""
        return chosen or (self.post.kind if self.post is not None else PostKind.POST)

    def content(self, body_markdown: str | None = None) -> PostContent:
        data = self.cleaned_data
        return PostContent(
            title=data["title"],
            subtitle=data["subtitle"],
            slug=data["slug"],
            body_markdown=data["body_markdown"] if body_markdown is None else body_markdown,
            audience=data["audience"],
            section=data["section"],
            kind=(data["kind"] or PostKind.POST) if self.is_sent("kind") else None,
            audio_url=data["audio_url"] if self.is_sent("audio_url") else None,
            tags=data["tags"] if self.is_sent("tags") else None,
        )


def initial_from(post: Post) -> dict:
    return {
        "title": post.title,
        "subtitle": post.subtitle,
        # An unpublished post whose address follows its title shows an empty field.
        "slug": "" if has_slug_from_title(post) else post.slug,
        "body_markdown": post.body_markdown,
        "section": post.section_id,
        "audience": post.audience,
        "kind": post.kind,
        "audio_url": post.audio_url,
        "tags": post.tag_labels,
        "send_email": post.email_requested,
        "email_subject": post.email_subject,
        "preview_text": post.preview_text,
        "subject_test_lines": [line for line in post.subject_test_lines if isinstance(line, str)]
        if isinstance(post.subject_test_lines, list)
        else [],
        "subject_test_sample_percent": post.subject_test_sample_percent,
        "subject_test_wait_hours": post.subject_test_wait_hours,
        "subject_test_metric": post.subject_test_metric,
        "publish_at": (
            timezone.localtime(post.published_at).replace(second=0)
            if post.status == PostStatus.SCHEDULED and post.published_at
            else None
        ),
    }


class SubjectLinesField(TextListField):
    """The other subject lines of a test, one per line: a list, blank lines left out."""

    MAX_CHARS = 1300
    NAME = "the subject lines"

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def validate(self, value):
        others = subject_tests.MAX_SUBJECT_LINES - 1
        if len(value) > others:
            raise forms.ValidationError(
                f"Test at most {subject_tests.MAX_SUBJECT_LINES} subject lines: the email "
                f"subject and {others} others, one per line (there are {len(value)} others)."
            )
        for line in value:
            if len(line) > MAX_SUBJECT_CHARS:
                raise forms.ValidationError(
                    f"Keep each subject line to {MAX_SUBJECT_CHARS} characters or fewer: "
                    f"“{line[:40]}…” has {len(line)}."
                )
        if len({line.casefold() for line in value}) < len(value):
            raise forms.ValidationError("Each subject line must differ from the others.")


TRACKING_OFF_NOTE = (
    "Subject tests need opens and clicks, which this publication does not count: "
    "turn tracking on in the email settings to test subject lines."
)


class EmailOptionsForm(forms.Form):
    """The post's email: its subject, preview text and subject test (delivery.subject_tests).
    A page from before these fields existed sends none of them and leaves them as they are."""

    email_subject = forms.CharField(
        label="Email subject",
        max_length=MAX_SUBJECT_CHARS,
        required=False,
        help_text="Leave empty to use the title.",
        error_messages={"max_length": too_long("email subject")},
    )
    preview_text = forms.CharField(
        label="Preview text",
        max_length=MAX_SUBJECT_CHARS,
        required=False,
        help_text=(
            "The line inboxes show after the subject. Leave empty to use the subtitle, or the "
            "post's first words."
        ),
        error_messages={"max_length": too_long("preview text")},
    )
    subject_test_lines = SubjectLinesField(
        label="Test other subject lines",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Up to three, one per line. A sample of your subscribers gets one line each, split "
            "evenly; after the wait, the line with the most opens or clicks goes to everyone "
            "else. Leave empty for no test."
        ),
    )
    subject_test_sample_percent = forms.IntegerField(
        label="Sample (% of subscribers)",
        min_value=subject_tests.MIN_SAMPLE_PERCENT,
        max_value=subject_tests.MAX_SAMPLE_PERCENT,
        required=False,
        initial=10,
        error_messages={
            "min_value": "Send the test to at least %(limit_value)s%% of subscribers.",
            "max_value": "Send the test to at most %(limit_value)s%% of subscribers.",
            "invalid": "Enter a whole number of percent, from 2 to 50.",
        },
    )
    subject_test_wait_hours = forms.TypedChoiceField(
        label="Wait before choosing",
        coerce=int,
        required=False,
        empty_value=4,
        initial=4,
        choices=[
            (hours, f"{hours} hour{'s' if hours > 1 else ''}")
            for hours in subject_tests.WAIT_HOURS_CHOICES
        ],  # fmt: skip
        error_messages={"invalid_choice": "Choose one of the waits offered."},
    )
    subject_test_metric = forms.ChoiceField(
        label="The winner has the most",
        choices=SubjectTestMetric.choices,
        required=False,
        error_messages={"invalid_choice": "Choose opens or clicks."},
    )

    def setup_email_options(self, publication: Publication, post: Post | None) -> None:
        """What the test fields say depends on the publication: tracking, and its list's size."""
        self.is_tracked = is_tracking_on(publication)
        section_id = post.section_id if post is not None else None
        self.test_note = ""
        lines_field = self.fields["subject_test_lines"]
        if not self.is_tracked:
            self.test_note = TRACKING_OFF_NOTE
            lines_field.widget.attrs["disabled"] = True
        else:
            count = newsletter_recipients(publication.id, section_id=section_id).count()
            percent = post.subject_test_sample_percent if post is not None else 10
            typed = post.subject_test_lines if post is not None else []
            lines = 1 + len(typed) if isinstance(typed, list) else 2
            if not plan_test(count, max(lines, 2), percent).is_possible:
                self.test_note = (
                    f"With {count:,} subscriber{'s' if count != 1 else ''}, the list is too "
                    f"small for a test at {percent}% (each line needs at least one reader, and "
                    "someone must be left for the winner): everyone gets the email subject."
                )

    def clean_email_subject(self):
        return " ".join(self.cleaned_data["email_subject"].split())

    def clean_preview_text(self):
        return " ".join(self.cleaned_data["preview_text"].split())

    def clean(self):
        cleaned = super().clean()
        lines = cleaned.get("subject_test_lines") or []
        if lines and not getattr(self, "is_tracked", True):
            self.add_error("subject_test_lines", self.test_note)
        first = (cleaned.get("email_subject") or cleaned.get("title") or "").casefold()
        if first and any(line.casefold() == first for line in lines):
            self.add_error(
                "subject_test_lines",
                "The test's lines must differ from the email subject, which is tested already.",
            )
        if cleaned.get("subject_test_sample_percent") is None:
            cleaned["subject_test_sample_percent"] = 10
        cleaned["subject_test_metric"] = cleaned.get("subject_test_metric") or "opens"
        return cleaned

    @property
    def has_email_options(self) -> bool:
        """Whether the page sent the email fields (an older page does not)."""
        return "email_subject" in self.data

    def email_options(self) -> subject_tests.EmailOptions:
        data = self.cleaned_data
        return subject_tests.EmailOptions(
            email_subject=data["email_subject"],
            preview_text=data["preview_text"],
            subject_test_lines=data["subject_test_lines"] if self.is_tracked else [],
            subject_test_sample_percent=data["subject_test_sample_percent"],
            subject_test_wait_hours=data["subject_test_wait_hours"],
            subject_test_metric=data["subject_test_metric"],
        )


class PostAutosaveForm(PostContentForm, EmailOptionsForm):
    """What an autosave keeps: the content and the email's options. Unlike the editor page it
    does not count the list for the subject test's note (a count every few seconds)."""

    def __init__(self, publication: Publication, *args, post: Post | None = None, **kwargs):
        super().__init__(publication, *args, post=post, **kwargs)
        self.is_tracked = is_tracking_on(publication)
        self.test_note = "" if self.is_tracked else TRACKING_OFF_NOTE


class Action:
    SAVE = "save"
    PREVIEW = "preview"
    UPLOAD = "upload"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    CHOICES = [(SAVE, "Save"), (PREVIEW, "Preview"), (UPLOAD, "Insert image"),
               (PUBLISH, "Publish now"), (SCHEDULE, "Schedule")]  # fmt: skip


class PostEditorForm(PostContentForm, ImageForm, EmailOptionsForm):
    """The whole editor page: content, an image to insert, the cover, and what to do with the
    post. Publishing or scheduling with email needs `confirm_send`: the writer has seen how many
    people will get it."""

    cover_image = ImageFileField(label="Cover image")
    remove_cover = forms.BooleanField(label="Remove the cover", required=False)
    confirm_send = forms.BooleanField(required=False, widget=forms.HiddenInput)

    publish_at = forms.DateTimeField(
        label="Publish at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, like 2026-12-01 09:00."},
    )
    send_email = forms.BooleanField(
        label="Send as email to subscribers", required=False, initial=False
    )
    action = forms.ChoiceField(choices=Action.CHOICES, required=False)

    def __init__(self, publication: Publication, *args, post: Post | None = None, **kwargs):
        super().__init__(publication, *args, post=post, **kwargs)
        self.setup_email_options(publication, post)
        publish_at = self.fields["publish_at"].widget
        publish_at.attrs["min"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if post is None:
            # A post is published or scheduled once its draft exists; editor.js enables these
            # when the first autosave has created the draft.
            for name in ("publish_at", "send_email"):
                self.fields[name].widget.attrs.update({"disabled": True, "data-needs-post": ""})

    def clean_action(self):
        return self.cleaned_data["action"] or Action.SAVE

    def content(self, body_markdown: str | None = None) -> PostContent:
        return replace(
            super().content(body_markdown),
            cover=self.cleaned_data.get("cover_image"),
            remove_cover=self.cleaned_data.get("remove_cover", False),
        )

    @property
    def needs_send_confirmation(self) -> bool:
        """Whether this submit would email subscribers without the writer having confirmed."""
        data = self.cleaned_data
        return (
            self.chosen_kind != PostKind.PAGE
            and data.get("action") in (Action.PUBLISH, Action.SCHEDULE)
            and bool(data.get("send_email"))
            and not data.get("confirm_send")
        )

    def clean(self):
        cleaned = super().clean()
        if self.chosen_kind == PostKind.PAGE:
            cleaned["send_email"] = False  # a page is never emailed, whatever the box said
        action = cleaned.get("action")
        if action == Action.UPLOAD and "image" not in self.errors and not cleaned.get("image"):
            self.add_error("image", "Choose an image file to insert.")
        if (
            action == Action.SCHEDULE
            and "publish_at" not in self.errors
            and not cleaned.get("publish_at")
        ):
            self.add_error("publish_at", "Pick the date and time the post should go out.")
        return cleaned
