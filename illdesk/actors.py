"""Who acts on a record: a signed-in user (staff or a library's account), or nobody when the
system acts by itself (a scheduled job, a partner's ISO 18626 message). Services take it as
`acting_user: Actor` and write it into the timeline as the actor."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None
