"""Menu entries: meetings (imported by meetings/navigation.py)."""
