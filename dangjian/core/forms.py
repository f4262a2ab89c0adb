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


class CalendarDayForm(BootstrapForm):
    """Mark one day of the holiday calendar (add, or edit by entering the same date)."""

    day = forms.DateField(label="日期", widget=DateInput())
    kind = forms.ChoiceField(
        label="类型", choices=[("holiday", "法定节假日（休）"), ("workday", "调休上班（班）")]
    )
    name = forms.CharField(label="名称", max_length=50, help_text="如“春节”“国庆节调休”。")
    note = forms.CharField(label="说明", max_length=200, required=False)


class CalendarImportForm(BootstrapForm):
    text = forms.CharField(
        label="批量粘贴",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-10-01 holiday 国庆节"}),
        help_text="每行一天：日期 类型 名称 [说明]；类型为 holiday（休）或 workday（班）。"
        "任何一行有误则整批不导入。",
    )
