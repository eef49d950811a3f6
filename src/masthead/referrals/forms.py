"""Forms of the desk's reward tiers and recommendations."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from masthead.publications.models import Publication
from masthead.referrals import services
from masthead.referrals.models import RewardKind

# A threshold is stored as a 32-bit integer on PostgreSQL; no publication needs more referrals
# than this for a reward, and a larger number must be refused here, not overflow the database.
MAX_THRESHOLD = services.MAX_THRESHOLD


KIND_LABELS = {RewardKind.MONTHS: "Months of paid access", RewardKind.CUSTOM: "Custom reward"}


class TierForm(forms.Form):
    threshold = forms.IntegerField(
        label="Referrals needed",
        required=False,
        min_value=1,
        max_value=MAX_THRESHOLD,
        error_messages={
            "min_value": "The number of referrals must be at least 1.",
            "max_value": f"The number of referrals must be at most {MAX_THRESHOLD:,}.",
        },
    )
    kind = forms.ChoiceField(
        label="Reward",
        required=False,  # a row without a threshold is no tier; the service asks for a kind
        error_messages={"invalid_choice": "Choose a kind of reward that is offered."},
    )
    months = forms.IntegerField(
        label="Months of paid access",
        required=False,
        min_value=1,
        max_value=services.MAX_MONTHS,
        error_messages={
            "min_value": f"Give between 1 and {services.MAX_MONTHS} months.",
            "max_value": f"Give between 1 and {services.MAX_MONTHS} months.",
        },
    )
    description = forms.CharField(
        label="Custom reward",
        required=False,
        max_length=200,
        error_messages={"max_length": "Describe the reward in 200 characters or fewer."},
    )

    def __init__(self, *args, offered: list[str], is_suggestion=False, **kwargs):
        super().__init__(*args, **kwargs)
        # A row the desk suggests (a threshold, no reward yet) is no tier until it is touched.
        self.is_suggestion = is_suggestion
        # Only the kinds the publication offers now (services.offered_reward_kinds): while its
        # readers cannot pay, "Months of paid access" is neither shown nor accepted, and its
        # field is left out.
        self.fields["kind"].choices = [
            (kind, KIND_LABELS[kind]) for kind in RewardKind.values if kind in offered
        ]
        self.fields["kind"].initial = offered[0]
        if RewardKind.MONTHS not in offered:
            del self.fields["months"]

    def clean(self):
        data = super().clean()
        if data.get("threshold") is None:
            return data
        if self.is_suggestion and not self.has_changed():
            data["threshold"] = None
            return data
        if data.get("kind") == RewardKind.MONTHS and not data.get("months"):
            self.add_error("months", "Give between 1 and 24 months.")
        if data.get("kind") == RewardKind.CUSTOM and not (data.get("description") or "").strip():
            self.add_error("description", "Describe the reward.")
        return data


class BaseTierFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        try:
            services.validate_tiers(self.tiers())
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def tiers(self) -> list[dict]:
        """The filled-in rows, in order; a row without a threshold is no tier."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data.get("threshold") is not None
        ]


TierFormSet = forms.formset_factory(
    TierForm,
    formset=BaseTierFormSet,
    extra=0,
    min_num=services.MAX_TIERS,
    max_num=services.MAX_TIERS,
    absolute_max=services.MAX_TIERS,
    validate_max=True,
)


def tier_formset(publication, data=None) -> BaseTierFormSet:
    tiers = list(publication.reward_tiers.order_by("position"))
    offered = services.offered_reward_kinds(publication)
    if tiers:
        # A tier of a kind no longer offered keeps its threshold; the writer picks a reward
        # that exists (the page says which tiers are not offered).
        initial = [
            {
                "threshold": tier.threshold,
                "kind": tier.kind if tier.kind in offered else offered[0],
                "months": tier.months,
                "description": tier.description,
            }
            for tier in tiers
        ]
    else:
        initial = [
            {"threshold": threshold, "kind": offered[0]}
            for threshold in services.DEFAULT_THRESHOLDS
        ]
    formset = TierFormSet(
        data,
        initial=initial,
        prefix="tier",
        form_kwargs={"is_suggestion": not tiers, "offered": offered},
    )
    return formset


class HttpURLField(forms.URLField):
    """Only web addresses: javascript:, data: and the like are refused."""

    default_validators = [
        URLValidator(
            schemes=["http", "https"],
            message="Enter an address starting with http:// or https://.",
        )
    ]


class RecommendationForm(forms.Form):
    recommended_publication = forms.ModelChoiceField(
        label="A publication on this site",
        queryset=Publication.objects.none(),
        required=False,
        empty_label="— Or recommend a site by address below —",
    )
    url = HttpURLField(
        label="Address",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter an address starting with http:// or https://."},
    )
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=120,
        error_messages={"max_length": "Keep the name to 120 characters or fewer."},
    )
    description = forms.CharField(
        label="Why you recommend it",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the description to 300 characters or fewer."},
    )

    def __init__(self, *args, publication, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommended_publication"].queryset = Publication.objects.exclude(
            id=publication.id
        ).order_by("name")

    def clean(self):
        data = super().clean()
        target = data.get("recommended_publication")
        url = data.get("url")
        if target and url:
            raise ValidationError("Choose a publication on this site or give an address, not both.")
        if not target and not url and not self.errors.get("url"):
            raise ValidationError("Choose a publication on this site or give an address.")
        if url and not (data.get("name") or "").strip():
            self.add_error("name", "Give the publication's name.")
        return data
