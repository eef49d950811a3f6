from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def count_existing_clickers(apps, schema_editor):
    """Sends made before the counter: their recipients who clicked, counted once."""
    Send = apps.get_model("delivery", "Send")
    Delivery = apps.get_model("delivery", "Delivery")
    clickers = (
        Delivery.objects.filter(send=OuterRef("pk"))
        .values("send")
        .annotate(n=Count("pk", filter=Q(click_count__gt=0)))
        .values("n")
    )
    Send.objects.filter(click_count__gt=0).update(clicker_count=Coalesce(Subquery(clickers), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0004_gets_full_post"),
    ]

    operations = [
        migrations.AddField(
            model_name="send",
            name="clicker_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_existing_clickers, migrations.RunPython.noop),
    ]
