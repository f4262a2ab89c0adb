from django import template

from dangjian.notifications import categories

register = template.Library()


@register.filter
def category_label(key: str) -> str:
    return categories.label_of(key)
