"""How the dashboard writes its figures: rates as percentages, changes with their sign."""

from django import template

register = template.Library()


@register.filter
def percent(rate) -> str:
    """0.4213 -> "42.1%"; no rate (nothing was delivered) -> "—"."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}%"


@register.filter
def signed(number) -> str:
    """A change with its sign, grouped: +1,204, −3 (a true minus), 0."""
    number = int(number or 0)
    if number > 0:
        return f"+{number:,}"
    if number < 0:
        return f"−{-number:,}"
    return "0"


@register.filter
def median_number(value) -> str:
    """A median (half-way between two posts may be a .5) without a needless decimal."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@register.filter
def grouped(number) -> str:
    """1234567 -> "1,234,567": intcomma's result, without its locale work (a year's tables
    write thousands of figures)."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return "—"
