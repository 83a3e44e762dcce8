"""Every URL pattern of the project, read from the URL resolver (never a hand-written list), so a
new view is covered by the security tests the moment it is routed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

# Values tried, in order, for each keyword argument of a pattern until one reverses.
_CANDIDATES = ("1", "auth", "x", "00000000-0000-0000-0000-000000000001")  # ints, slugs, uuids


@dataclass(frozen=True)
class Route:
    """One routed view: its namespaced name, its pattern text and its keyword arguments."""

    name: str
    pattern: str
    kwargs: tuple[str, ...]

    def url(self, values: Mapping[str, object] | None = None) -> str | None:
        """The path with `values` for the arguments (placeholders for the others), or None."""
        given = dict(values or {})
        for candidate in _CANDIDATES:
            kwargs = {k: given.get(k, candidate) for k in self.kwargs}
            try:
                return reverse(self.name, kwargs=kwargs)
            except NoReverseMatch:
                continue
        return None


def _kwarg_names(pattern: object) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", {})
    if converters:
        return tuple(converters)
    regex = getattr(pattern, "regex", None)
    return tuple(regex.groupindex) if isinstance(regex, re.Pattern) else ()


def _walk(
    resolver: URLResolver, prefix: str, namespace: str, kwargs: tuple[str, ...]
) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        names = kwargs + _kwarg_names(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, text, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(name=f"{namespace}{entry.name}", pattern=text, kwargs=names)


def all_routes() -> list[Route]:
    """Every named route of the project, the admin's included."""
    return list(_walk(get_resolver(), "", "", ()))


def unnamed_patterns() -> list[str]:
    """Patterns without a name cannot be reversed, so they would escape the walk: list them."""
    found: list[str] = []

    def visit(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                visit(entry, prefix + str(entry.pattern))
            elif not entry.name:
                found.append(prefix + str(entry.pattern))

    visit(get_resolver(), "")
    return found
