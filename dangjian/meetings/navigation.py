"""Menu entries of 组织生活 (added by the page modules as they land)."""
