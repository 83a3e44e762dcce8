"""Log-in forms with bounded input.

Django's AuthenticationForm sets the username's max_length after the field is built, so no length
validator runs and any length reaches authenticate(); django-axes then stores the username in a
255-character column and PostgreSQL refuses it (a server error instead of a form error). A very
long password also costs a full Argon2 hash. Both are refused here as field errors, so
authenticate() never sees them.

A library's username is its OCLC symbol, stored upper case; librarians type it in any case. The
login form resolves what was typed to the stored username before authenticate() (and django-axes)
see it, so `ndd` logs in as `NDD` and counts toward the same account's lockout."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest

USERNAME_MAX_LENGTH = 150
PASSWORD_MAX_LENGTH = 1024


def _bound_lengths(form: AuthenticationForm) -> None:
    for name, limit in (("username", USERNAME_MAX_LENGTH), ("password", PASSWORD_MAX_LENGTH)):
        field = form.fields[name]
        field.max_length = limit  # type: ignore[attr-defined]
        field.validators.append(MaxLengthValidator(limit))


def stored_username(typed: str) -> str:
    """The one stored username equal to `typed` ignoring case; `typed` itself when there is an
    exact match, none, or (two accounts differing only in case) no single answer."""
    users = get_user_model()._default_manager
    matches = list(users.filter(username__iexact=typed).values_list("username", flat=True)[:2])
    return matches[0] if len(matches) == 1 else typed


class LoginForm(AuthenticationForm):
    # Django's message says both fields may be case-sensitive; here the username is not.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The username and password do not match. Check the password: it is "
        "case-sensitive (the username, your OCLC symbol, is not).",
    }

    def __init__(self, request: HttpRequest | None = None, *args: object, **kwargs: object) -> None:
        super().__init__(request, *args, **kwargs)
        _bound_lengths(self)
        self.fields[
            "username"
        ].help_text = "Your library's OCLC symbol, for example DLC (capital letters or not)."

    def clean_username(self) -> str:
        typed: str = self.cleaned_data["username"].strip()
        return stored_username(typed)


class AdminLoginForm(AdminAuthenticationForm):
    def __init__(self, request: HttpRequest | None = None, *args: object, **kwargs: object) -> None:
        super().__init__(request, *args, **kwargs)
        _bound_lengths(self)
