"""Menu entries: compliance (imported by meetings/navigation.py)."""
