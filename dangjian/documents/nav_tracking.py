"""Menu entries of the tracking part of 公文."""
