"""The desk's paid-subscription forms: prices typed as a writer types money, offers, and comps."""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import timezone

from masthead.billing import offers, plans
from masthead.billing.comps import MAX_MONTHS
from masthead.billing.models import MAX_TRIAL_DAYS, PlanInterval
from masthead.billing.offer_models import OfferDuration
from masthead.billing.offers import CODE_LENGTH
from masthead.billing.plans import PriceChoice
from masthead.core.address_field import AddressField

# "8", "8.5", "8.00", "1000.50" or "1,000.50": digits (ASCII only), thousands grouped by commas
# or not at all, and at most two decimals after a point.
AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
SYMBOLS = "$€£¥"


def parse_amount(text: str) -> int:
    """The amount in cents of what a writer typed; ValueError with a message for them."""
    typed = "".join((text or "").split()).strip(SYMBOLS)
    if not typed:
        raise ValueError("Enter a price.")
    if len(typed) > 20:
        raise ValueError("Enter a price like 8 or 8.00.")
    if DECIMAL_COMMA.fullmatch(typed):
        raise ValueError("Write cents after a point: 8.50, not 8,50.")
    if typed.startswith("-"):
        raise ValueError("A price cannot be negative.")
    if not AMOUNT.fullmatch(typed):
        raise ValueError("Enter a price like 8 or 8.00, with digits only.")
    return int(Decimal(typed.replace(",", "")) * 100)


def format_amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


class AmountField(forms.CharField):
    """A price typed as a decimal; its cleaned value is in cents (None when left empty)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PlansForm(forms.Form):
    currency = forms.ChoiceField(
        choices=[(code, f"{code.upper()} · {name}") for code, name in plans.CURRENCIES.items()]
    )
    monthly = AmountField(label="Monthly price", help_text="For example 8 or 8.00.")
    yearly = AmountField(
        label="Yearly price", help_text="Usually about ten times the monthly price."
    )
    founding = AmountField(
        label="Founding member price (optional)",
        required=False,
        help_text="Billed yearly, at least the yearly price. Leave empty to offer none.",
    )
    founding_name = forms.CharField(
        label="Name of the founding member plan",
        max_length=60,
        required=False,
        help_text="What readers see, for example Founding member or Patron.",
    )
    trial_days = forms.IntegerField(
        label="Free trial, in days",
        min_value=0,
        max_value=MAX_TRIAL_DAYS,
        required=False,
        help_text=(
            f"0 for none, at most {MAX_TRIAL_DAYS}. A reader's first paid subscription starts "
            "free; their card is charged when the trial ends, unless they cancel."
        ),
    )
    is_paid_on = forms.BooleanField(
        label="Paid subscriptions on",
        required=False,
        help_text=(
            "Off hides paid plans and the upgrade buttons from readers. Those who pay now keep "
            "paying and reading until they cancel."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly"].error_messages["required"] = "Enter a monthly price."
        self.fields["yearly"].error_messages["required"] = "Enter a yearly price."
        self.fields["trial_days"].error_messages["invalid"] = (
            f"Enter a whole number of days from 0 to {MAX_TRIAL_DAYS}."
        )
        self.fields["trial_days"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            plans.validate_prices(self.prices())
        except plans.PlanRefused as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned

    def prices(self) -> list[PriceChoice]:
        data = self.cleaned_data
        chosen = [
            PriceChoice(PlanInterval.MONTH, data["monthly"]),
            PriceChoice(PlanInterval.YEAR, data["yearly"]),
        ]
        if data.get("founding") is not None:
            name = (data.get("founding_name") or "").strip() or PlanInterval.FOUNDING.label
            chosen.append(PriceChoice(PlanInterval.FOUNDING, data["founding"], name))
        return chosen


FOREVER = "forever"


class CompForm(forms.Form):
    email = AddressField(label="Email address")
    months = forms.IntegerField(
        label="For how many months",
        min_value=1,
        max_value=MAX_MONTHS,
        required=False,
        help_text=f"From 1 to {MAX_MONTHS}. Leave empty and tick Forever for no end.",
    )
    is_forever = forms.BooleanField(label="Forever (until you end it)", required=False)
    note = forms.CharField(
        label="Note (optional)",
        max_length=200,
        required=False,
        help_text="Only staff see it: why, or who asked.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = "Enter the address to give access to."
        self.fields["months"].error_messages["invalid"] = (
            f"Enter a whole number of months from 1 to {MAX_MONTHS}."
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("is_forever"):
            cleaned["months"] = None
        elif cleaned.get("months") is None:
            self.add_error(
                "months", f"Enter a number of months from 1 to {MAX_MONTHS}, or tick Forever."
            )
        return cleaned


PERCENT, AMOUNT_OFF = "percent", "amount"


class OfferForm(forms.Form):
    code = forms.SlugField(
        label="Code",
        max_length=CODE_LENGTH,
        help_text="Letters, digits and dashes; it ends the link you share, as in ?offer=spring.",
    )
    kind = forms.ChoiceField(
        label="Discount",
        choices=[(PERCENT, "A percentage off"), (AMOUNT_OFF, "An amount off")],
        widget=forms.RadioSelect,
        initial=PERCENT,
    )
    percent_off = forms.IntegerField(
        label="Percentage off", min_value=1, max_value=100, required=False, help_text="1 to 100."
    )
    amount_off = AmountField(
        label="Amount off", required=False, help_text="In your currency, for example 2 or 2.50."
    )
    duration = forms.ChoiceField(
        label="For how long",
        choices=OfferDuration.choices,
        widget=forms.RadioSelect,
        initial=OfferDuration.ONCE,
    )
    duration_in_months = forms.IntegerField(
        label="Number of months",
        min_value=1,
        max_value=offers.MAX_MONTHS,
        required=False,
        help_text=f"When the discount lasts a number of months: 1 to {offers.MAX_MONTHS}.",
    )
    ends_on = forms.DateField(
        label="Last day of the offer (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The link stops working after this day. Leave empty to end it yourself.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["invalid"] = "Use letters, digits and dashes only."
        for name in ("percent_off", "duration_in_months"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
            self.fields[name].error_messages["invalid"] = "Enter a whole number."
        self.fields["ends_on"].error_messages["invalid"] = "Enter a date like 2026-12-31."

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["kind"] == PERCENT and cleaned.get("percent_off") is None:
            self.add_error("percent_off", "Enter the percentage off, from 1 to 100.")
        if cleaned["kind"] == AMOUNT_OFF and cleaned.get("amount_off") is None:
            self.add_error("amount_off", "Enter the amount off.")
        if cleaned["duration"] == OfferDuration.REPEATING and not cleaned.get("duration_in_months"):
            self.add_error("duration_in_months", "Enter the number of months.")
        ends_on = cleaned.get("ends_on")
        if ends_on is not None and ends_on < timezone.localdate():
            self.add_error("ends_on", "The last day is in the past.")
        return cleaned

    def terms(self) -> offers.OfferTerms:
        data = self.cleaned_data
        ends_at = None
        if data.get("ends_on") is not None:
            # The end of that day where the desk is (the publication's time zone).
            ends_at = timezone.make_aware(
                dt.datetime.combine(data["ends_on"] + dt.timedelta(days=1), dt.time.min)
            )
        is_percent = data["kind"] == PERCENT
        return offers.OfferTerms(
            percent_off=data["percent_off"] if is_percent else None,
            amount_off=None if is_percent else data["amount_off"],
            duration=data["duration"],
            duration_in_months=data.get("duration_in_months")
            if data["duration"] == OfferDuration.REPEATING
            else None,
            ends_at=ends_at,
        )
