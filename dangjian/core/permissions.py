"""The registry of permission codes.

A permission code is a string `<app>.<verb>_<thing>` (for example `orgs.manage_organization`).
Each app declares its codes as named constants in its own `permissions.py` with `register()`;
roles (accounts.Role) are named sets of these codes, granted on an organisation subtree.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PermissionCode:
    code: str
    label: str
    group: str


_REGISTRY: dict[str, PermissionCode] = {}


def register(code: str, label: str, *, group: str = "") -> str:
    """Declare a permission code once; returns the code so modules can keep it as a constant."""
    app_label = code.split(".", 1)[0]
    existing = _REGISTRY.get(code)
    if existing and existing.label != label:
        raise ValueError(f"permission {code} registered twice with different labels")
    _REGISTRY[code] = PermissionCode(code=code, label=label, group=group or app_label)
    return code


def all_permissions() -> list[PermissionCode]:
    return sorted(_REGISTRY.values(), key=lambda p: (p.group, p.code))


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def label_of(code: str) -> str:
    permission = _REGISTRY.get(code)
    return permission.label if permission else code
