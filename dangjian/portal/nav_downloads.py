"""Menu entries (filled in by its part)."""
