"""Who may use the institution portal: a logged-in user whose account belongs to an active,
verified institution. Every portal view goes through `institution_required`."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from registration.models import Institution

P = ParamSpec("P")


def institution_for(user: AbstractBaseUser | AnonymousUser) -> Institution | None:
    """The user's institution if it may use the portal (`Institution.may_use_portal`). The
    authentication backend loads it with the user, so this costs no query."""
    if not isinstance(user, User):
        return None
    try:
        institution: Institution = user.institution
    except Institution.DoesNotExist:
        return None
    return institution if institution.may_use_portal else None


class InstitutionRequest(HttpRequest):
    """The request a portal view receives: `institution_required` has set its institution, and
    its user is the institution's account."""

    institution: Institution
    user: User


def institution_required(
    view: Callable[Concatenate[InstitutionRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Anonymous users go to the login page; other accounts (staff, suspended) get 403.
    The view receives the institution as `request.institution`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        institution = institution_for(request.user)
        if institution is None:
            raise PermissionDenied("Only verified institutions can use this page.")
        request.institution = institution  # type: ignore[attr-defined]
        return view(cast(InstitutionRequest, request), *args, **kwargs)

    return wrapper


def staff_user(request: HttpRequest) -> User:
    """The staff member behind an admin request: the admin lets only active staff in."""
    assert isinstance(request.user, User)
    return request.user
