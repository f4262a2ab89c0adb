"""Display helpers of the dues pages: rates as percentages, months in Chinese."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate) -> str:
    """0.0150 → "1.5%"; an empty rate (a fixed-amount category) → "定额"."""
    if rate in (None, ""):
        return "定额"
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


@register.filter
def yuan(amount) -> str:
    """12.5 → "12.50"; empty stays "—"."""
    if amount in (None, ""):
        return "—"
    return f"{Decimal(amount):,.2f}"


@register.filter
def month_label(day) -> str:
    return f"{day.year}年{day.month}月" if day else ""
