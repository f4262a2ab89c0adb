from django import template

from dangjian.audit import actions

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """The Chinese label of an audit action code (the code itself when unknown)."""
    return actions.label(code)


@register.filter
def is_known_action(code: str) -> bool:
    return code in actions.LABELS


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, "") if mapping else ""
