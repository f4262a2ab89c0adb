"""Menu entries of the receiving part of 公文."""
