from datetime import date, datetime

from django import template
from django.utils import timezone

from motcua.core.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """1000000 → "1.000.000 đ"."""
    return format_vnd(amount)


@register.filter
def dmy(value: date | datetime | None) -> str:
    """Dates as dd/mm/yyyy in Asia/Ho_Chi_Minh, whatever the language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


@register.filter
def dmy_hm(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


@register.filter
def get(mapping, key):
    """``mapping[key]`` in a template, or an empty string (error lists keyed by field)."""
    if hasattr(mapping, "get"):
        return mapping.get(key, "")
    return ""


@register.filter
def queue_count(n: int, cap: str = "page") -> str:
    """A queue's count with Vietnamese thousands dots, "1.000+" past the counting cap of a
    list page ("99+" past the menu's, with ``|queue_count:"menu"``)."""
    from motcua.dossiers.queues import COUNT_CAP, MENU_CAP

    limit = MENU_CAP if cap == "menu" else COUNT_CAP
    if n > limit:
        return f"{limit:,}+".replace(",", ".")
    return f"{n:,}".replace(",", ".")
