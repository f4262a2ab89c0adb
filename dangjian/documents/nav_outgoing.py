"""Menu entries of the outgoing part of 公文."""
