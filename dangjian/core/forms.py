"""Form pieces every app's pages share."""

from django import forms


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on the fields that failed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DateInput(forms.DateInput):
    """The browser's own date picker (ISO dates on the wire)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def parse_id(value) -> int | None:
    """A primary key from a query string or form value, or None for anything else.

    `str.isdigit()` alone accepts characters such as "²" that `int()` rejects, so ASCII digits are
    required; this keeps a hand-edited URL from becoming a 500.
    """
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def limit_rendered_choices(form: forms.Form, name: str, limit: int) -> None:
    """Render only the first `limit` choices of a model choice field (plus the submitted one);
    the field still accepts any object of its queryset, which a search box fetches."""
    field = form.fields[name]
    shown = list(field.queryset[:limit])
    selected = parse_id(form[name].value() if form.is_bound else form.initial.get(name))
    if selected is not None and all(obj.pk != selected for obj in shown):
        shown += list(field.queryset.filter(pk=selected))
    # A required field with an initial value has no empty label (None): offer no blank option.
    blank = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = blank + [(obj.pk, field.label_from_instance(obj)) for obj in shown]
