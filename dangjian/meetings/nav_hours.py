"""Menu entries: hours (imported by meetings/navigation.py)."""
