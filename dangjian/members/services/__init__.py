"""Writes of the member records, split by sub-domain (`people`, `records`, `status`, `imports`,
`quality`); every write is a keyword-only `<entity>_<verb>(*, actor, …)` in a transaction with
its audit entry."""
