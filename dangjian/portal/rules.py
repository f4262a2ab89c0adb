"""Numbers of the portal that an administrator may change (`core.rules`)."""
