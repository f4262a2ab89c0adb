"""Account services: `authentication` (passwords, lockout, 2FA), `users` (accounts), `roles`,
`grants` (the three administrators kept apart), `common` (their shared helpers) and `bootstrap`.
Import from the submodule."""
