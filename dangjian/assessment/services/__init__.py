"""Writes of the assessment system: templates, periods, self-check, scoring, appeals."""
