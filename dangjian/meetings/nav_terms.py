"""Menu entries: terms (imported by meetings/navigation.py)."""
