"""Forms of the reader's paid pages: the card form's one hidden field, and the plan to switch to."""

from django import forms

from masthead.billing.models import Plan


class CardForm(forms.Form):
    """What the card form posts once Stripe.js has saved the card: the SetupIntent's id. Nothing
    about the card itself ever reaches this server; checkout reads the intent back from Stripe."""

    setup_intent = forms.CharField(max_length=255)


class SwitchPlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.none())

    def __init__(self, *args, publication, current_plan_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(
            publication=publication, is_active=True
        ).exclude(pk=current_plan_id)
