"""The base of the member-record forms: errors a service adds after cleaning mark their field
invalid too, and the blank first choice the select fields share.
"""

from __future__ import annotations

from dangjian.core.forms import BootstrapForm


def _blank(label: str):
    return [("", label)]


class RecordBaseForm(BootstrapForm):
    """Errors added after cleaning (from a service) mark their field invalid too."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
