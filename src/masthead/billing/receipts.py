"""The reader's receipts: their invoices for one publication, read from Stripe each time (Stripe
keeps them; nothing is mirrored here), and prices written the way a reader reads them."""

from dataclasses import dataclass
from datetime import UTC, datetime

import stripe

from masthead.billing import gateway
from masthead.billing.checkout import UNREACHABLE
from masthead.billing.models import BillingSettings, StripeCustomer

RECEIPTS_SHOWN = 12
# Symbols written before the amount; the Scandinavian crowns after it ("80 kr").
PREFIXES = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "nzd": "NZ$",
            "chf": "CHF "}  # fmt: skip
SUFFIXES = {"sek": " kr", "nok": " kr", "dkk": " kr"}
INVOICE_STATUSES = {"paid": "Paid", "open": "Due", "void": "Void", "uncollectible": "Unpaid",
                    "draft": "Draft"}  # fmt: skip


def format_money(amount: int, currency: str) -> str:
    """Cents as a reader reads a price: "$8", "€80", "£5.50" (decimals only when not whole)."""
    number = f"{amount // 100:,}" if amount % 100 == 0 else f"{amount / 100:,.2f}"
    currency = (currency or "").lower()
    if currency in PREFIXES:
        return f"{PREFIXES[currency]}{number}"
    if currency in SUFFIXES:
        return f"{number}{SUFFIXES[currency]}"
    return f"{number} {currency.upper()}".strip()


@dataclass(frozen=True)
class Receipt:
    created_at: datetime
    amount: str
    status: str
    url: str  # Stripe's hosted invoice page, or "" when Stripe gives none


def receipts_of(person, publication) -> list[Receipt]:
    """The person's latest invoices for this publication's plans, newest first. Raises
    gateway.PaymentsUnavailable when Stripe cannot be asked."""
    customer = StripeCustomer.objects.filter(person=person).first()
    product = (
        BillingSettings.objects.filter(publication=publication)
        .values_list("stripe_product_id", flat=True)
        .first()
    )
    if customer is None or not product:
        return []
    try:
        invoices = gateway.client().v1.invoices.list(
            params={"customer": customer.stripe_customer_id, "limit": RECEIPTS_SHOWN}
        )
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error
    # One Stripe customer pays for every publication of the install: keep this one's invoices.
    found = [invoice.to_dict() for invoice in invoices.data]
    return [_receipt(invoice) for invoice in found if product in _products_of(invoice)]


def _products_of(invoice: dict) -> set[str]:
    """The products an invoice's lines bill, in the shapes Stripe's API versions give them."""
    products = set()
    for line in (invoice.get("lines") or {}).get("data") or []:
        for price in (line.get("plan"), line.get("price")):
            if isinstance(price, dict) and isinstance(price.get("product"), str):
                products.add(price["product"])
        details = (line.get("pricing") or {}).get("price_details") or {}
        if isinstance(details.get("product"), str):
            products.add(details["product"])
    return products


def _receipt(invoice: dict) -> Receipt:
    amount = invoice.get("amount_paid") or invoice.get("amount_due") or invoice.get("total") or 0
    status = invoice.get("status") or ("paid" if invoice.get("paid") else "")
    return Receipt(
        created_at=datetime.fromtimestamp(invoice.get("created") or 0, tz=UTC),
        amount=format_money(int(amount), invoice.get("currency") or ""),
        status=INVOICE_STATUSES.get(status, status.capitalize()),
        url=_https_or_nothing(invoice.get("hosted_invoice_url")),
    )


def _https_or_nothing(url) -> str:
    return url if isinstance(url, str) and url.startswith("https://") else ""
