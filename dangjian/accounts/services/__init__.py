"""Account services: `authentication` (passwords, lockout, 2FA) and `administration`
(users, roles, grants, the three administrators). Import from the submodule."""
