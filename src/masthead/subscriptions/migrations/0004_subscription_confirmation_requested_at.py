"""confirmation_sent_at becomes the time a confirmation left; the time asked moves to a new field.

Until now confirmation_sent_at was written when the email was queued: copy it over, and clear it
where the subscription is still pending, so nobody is told to wait for an email that never left.
"""

from django.db import migrations, models


def split_requested_from_sent(apps, schema_editor):
    Subscription = apps.get_model("subscriptions", "Subscription")
    Subscription.objects.filter(confirmation_sent_at__isnull=False).update(
        confirmation_requested_at=models.F("confirmation_sent_at")
    )
    # A confirmation still queued when this runs must still go out (its task checks the fields).
    Subscription.objects.filter(status="pending").update(confirmation_sent_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0003_subscription_subscription_newest_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="confirmation_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(split_requested_from_sent, migrations.RunPython.noop, elidable=True),
    ]
