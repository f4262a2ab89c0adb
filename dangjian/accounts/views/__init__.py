"""Account views: `auth` (login, password, 2FA, profile) and `manage` (users, roles, grants)."""
