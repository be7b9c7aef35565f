"""What an administrator changed in the admin, in the words the audit trail keeps (NEN 7513).

The admin reads an account's or a group's state before and after a save; `changes` compares
the two. A state holds names, flags and permission codes only: never a password hash or stamp.
"""


def account_state(user) -> dict:
    """Who the account is, what it may do and whom it serves; an unsaved one has no sets yet."""
    saved = user.pk is not None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": _name(user.organisation),
        "role": _name(user.role),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": _names(user.groups.all()) if saved else [],
        "user_permissions": permission_names(user.user_permissions.all()) if saved else [],
        "serves_all_organisations": user.serves_all_organisations,
        "served_organisations": _names(user.served_organisations.all()) if saved else [],
    }


def group_state(group) -> dict:
    """A group's name and the rights it gives its members."""
    saved = group.pk is not None
    return {
        "name": group.name,
        "permissions": permission_names(group.permissions.all()) if saved else [],
    }


def organisation_state(organisation) -> dict:
    """An organisation's name and its passkey policy (issue 16)."""
    return {
        "name": organisation.name,
        "passkeys_allowed": organisation.passkeys_allowed,
        "passkey_aaguids": sorted(organisation.allowed_aaguids()),
    }


def group_members(group) -> list[str]:
    """Who gains or loses the group's rights: its members' addresses."""
    return sorted(group.user_set.values_list("email", flat=True))


def permission_names(permissions) -> list[str]:
    """Permissions as `has_perm` spells them ("verification.helpdesk"), sorted."""
    pairs = permissions.values_list("content_type__app_label", "codename")
    return sorted(f"{app_label}.{codename}" for app_label, codename in pairs)


def changes(before: dict, after: dict) -> dict:
    """Each key whose value differs: lists (sets) as added and removed, others as [old, new]."""
    changed = {}
    for key, new in after.items():
        old = before.get(key)
        if isinstance(new, list):
            added, removed = sorted(set(new) - set(old or [])), sorted(set(old or []) - set(new))
            if added or removed:
                changed[key] = {"added": added, "removed": removed}
        elif old != new:
            changed[key] = [old, new]
    return changed


def _name(related) -> str | None:
    return None if related is None else str(related)


def _names(queryset) -> list[str]:
    return sorted(str(item) for item in queryset)
