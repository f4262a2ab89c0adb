"""Pages of the organisation tree: the tree and search, details, actions, committees, units."""
