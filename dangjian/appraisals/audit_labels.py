"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {}
