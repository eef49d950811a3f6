"""Forms of comments and notification settings; the length rule lives in the service."""

from django import forms

from masthead.engagement.services import MAX_COMMENT_LENGTH


class CommentForm(forms.Form):
    # The limit is checked by the service with a clear message; this only stops absurd posts.
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_COMMENT_LENGTH * 2
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class NotificationSettingsForm(forms.Form):
    is_comment_digest_on = forms.BooleanField(
        required=False, label="Email me a digest of new comments on posts I wrote"
    )
    is_reply_email_on = forms.BooleanField(
        required=False, label="Email me when someone replies to my comment"
    )
