"""Cache-Control for private pages: nothing a logged-in user sees (pages, PDF downloads, the admin)
may be kept by a shared or proxy cache, nor by the browser's own (docs/operations.md). And no
query parameter with a NUL character reaches a view: PostgreSQL cannot hold one in a query."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


def private_pages_not_cached(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware


def nul_in_query_refused(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """A NUL character (%00) in a query parameter's name or value is never meant: the page
    answers 400 saying so, instead of an error from the database (a form's text fields refuse
    NUL the same way, with Django's ProhibitNullCharactersValidator)."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(
                "The address has a NUL character (%00) in it: remove it and try again.\n",
                content_type="text/plain",
            )
        return get_response(request)

    return middleware
