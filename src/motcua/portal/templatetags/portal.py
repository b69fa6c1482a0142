from django import template
from django.urls import translate_url
from django.utils.translation import get_language

from motcua.catalog.models import Field

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page in another language (Vietnamese has no prefix, English /en/)."""
    request = context["request"]
    return translate_url(request.get_full_path(), language)


@register.filter
def field_name(field: Field) -> str:
    if get_language() == "en" and field.name_en:
        return field.name_en
    return field.name


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    query = context.get("query_without_page", "")
    return f"?{query}&page={number}" if query else f"?page={number}"
