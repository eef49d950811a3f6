"""`masthead check`: what paid subscriptions still need. Nothing is said while none of the
Stripe settings is given (paid is off and hidden); once one is, the missing ones are errors,
and a publication whose writer turned paid on without Stripe configured is named
(`masthead check --database default`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from masthead.billing import gateway

HOW = "Set it in the environment, or name a file holding it in <NAME>_FILE."


@register()
def stripe_settings_complete(app_configs, **kwargs):
    given = [settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY]
    given.append(settings.STRIPE_WEBHOOK_SECRET)
    if not any(given):
        return []
    return [
        Error(
            f"Paid subscriptions need {name}.",
            hint=HOW.replace("<NAME>", name),
            id="masthead.billing.E001",
        )
        for name in gateway.missing_settings()
    ]


@register(Tags.database)
def paid_publications_have_stripe(app_configs, **kwargs):
    from masthead.billing.models import BillingSettings

    if gateway.is_configured():
        return []
    try:
        names = list(
            BillingSettings.objects.filter(is_paid_on=True).values_list(
                "publication__name", flat=True
            )
        )
    except DatabaseError:  # `migrate` runs the checks before it creates the tables
        return []
    if not names:
        return []
    missing = ", ".join(gateway.missing_settings())
    return [
        Warning(
            f"Paid subscriptions are on for {', '.join(names)}, but Stripe is not configured "
            f"(missing: {missing}); readers see no paid plans until it is.",
            id="masthead.billing.W001",
        )
    ]
