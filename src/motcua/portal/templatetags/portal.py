from django import template
from django.urls import translate_url
from django.utils.translation import get_language, gettext

from motcua.catalog.models import Field
from motcua.catalog.search import ProcedureSummary

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page in another language (Vietnamese has no prefix, English /en/)."""
    request = context["request"]
    return translate_url(request.get_full_path(), language)


@register.filter
def field_name(item: Field | ProcedureSummary) -> str:
    """A field's name, or a search result's field name, in the current language."""
    if isinstance(item, ProcedureSummary):
        name, name_en = item.field_name, item.field_name_en
    else:
        name, name_en = item.name, item.name_en
    return name_en if get_language() == "en" and name_en else name


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    query = context.get("query_without_page", "")
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def level_label(level: str) -> str:
    """The online service level in words (Decree 42/2022)."""
    labels = {
        "full": gettext("Trực tuyến toàn trình"),
        "partial": gettext("Trực tuyến một phần"),
    }
    return labels.get(level, gettext("Cung cấp thông tin"))
