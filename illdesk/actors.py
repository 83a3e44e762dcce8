"""Who acts on a record: a signed-in user (staff or a library's account), or nobody when the
system acts by itself (a scheduled job, a partner's ISO 18626 message). Services take it as
`acting_user: Actor` and write it into the timeline as the actor."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


def user_of(actor: Actor) -> User | None:
    """The user a record names as its actor: None when nobody (the system) or no signed-in user
    acts."""
    return actor if isinstance(actor, User) else None
