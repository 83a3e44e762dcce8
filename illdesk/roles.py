"""Staff roles as Django groups. Permissions are granted per app and action rather than per model,
so a model added later joins its role when `setup_roles` runs again (seed_demo runs it on every
`make run`; deployments run it after `migrate`).

Nobody gets a permission on auth users or groups (changing a user can make it a superuser: account
administration stays with superusers), the audit trails (the admin's action log, the
registration and request event timelines, copyright decisions and status changes) are read-only,
and no role deletes evidence (EVIDENCE_MODELS)."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

VERIFIER = "verifier"
REQUEST_STAFF = "request staff"
OFFICE_MANAGER = "office manager"

# role -> {app label: actions}. Copyright records are never deleted by hand: the purge does it.
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    VERIFIER: {
        "registration": ("view", "add", "change"),
        "requests_app": ("view",),
        "copyright_rules": ("view",),
    },
    REQUEST_STAFF: {
        "registration": ("view",),
        "requests_app": ("view", "add", "change"),
        "copyright_rules": ("view",),
        "policy": ("view",),
        "fees": ("view",),
    },
    OFFICE_MANAGER: {
        "registration": ("view", "add", "change", "delete"),
        # "manage": ISO 18626 partner profiles and their credentials (not request staff's).
        "requests_app": ("view", "add", "change", "manage"),
        "copyright_rules": ("view", "add", "change"),
        "policy": ("view", "add", "change", "delete"),
        "fees": ("view", "add", "change"),
        "axes": ("view", "delete"),
        "admin": ("view",),
    },
}


# The audit trails: who did what and when. Roles may read them, never write them.
AUDIT_MODELS = (
    "logentry",
    "registrationevent",
    "requestevent",
    "recordstatuschange",
    "decision",
    "chargeevent",
)
# The evidence: no role deletes these (the admin offers no delete for them either). Requests and
# their timelines go only with their copyright record, when the purge removes it.
EVIDENCE_MODELS = (
    *AUDIT_MODELS,
    "registration",
    "institution",
    "outboxmessage",
    "request",
    "record",
    "charge",
    "invoice",
    "payment",
)


def permissions_for(grants: dict[str, tuple[str, ...]]) -> list[Permission]:
    query = Q(pk__in=[])
    for app_label, actions in grants.items():
        for action in actions:
            query |= Q(content_type__app_label=app_label, codename__startswith=f"{action}_")
    writes_to_audit = Q(content_type__model__in=AUDIT_MODELS) & ~Q(codename__startswith="view_")
    deletes_evidence = Q(content_type__model__in=EVIDENCE_MODELS, codename__startswith="delete_")
    return list(Permission.objects.filter(query).exclude(writes_to_audit | deletes_evidence))


@transaction.atomic
def setup_roles() -> dict[str, int]:
    """Create or update every role group to hold exactly its permissions; returns the counts."""
    counts: dict[str, int] = {}
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = permissions_for(grants)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts
