"""`{% holdings_panel item %}`: the desk request page's holdings panel (docs/catalog.md)."""

from __future__ import annotations

from django import template
from django.template import Context

from catalog import client
from catalog.models import Lookup, Suggestion
from catalog.ranking import conditions_while_in_use
from requests_app.actions import ACTIONS
from requests_app.iso18626.statuses import REASON_UNFILLED
from requests_app.models import Request

register = template.Library()

# The desk action each suggestion leads to, with the refusal reason it proposes.
_REFUSAL = {
    Suggestion.NOT_OWNED: Request.RefusalReason.NOT_OWNED,
    Suggestion.IN_USE: Request.RefusalReason.IN_USE,
}


@register.inclusion_tag("catalog/_holdings_panel.html", takes_context=True)
def holdings_panel(context: Context, item: Request) -> dict[str, object]:
    lookup = (
        Lookup.objects.filter(request=item).prefetch_related("candidates").first()
        if item.pk
        else None
    )
    refusal = _REFUSAL.get(Suggestion(lookup.suggestion)) if lookup and lookup.suggestion else None
    refuse = ACTIONS["refuse"]
    # "In use" is a refusal or, staff's choice, a conditional reply: supplied once it is back.
    in_use = lookup is not None and lookup.suggestion == Suggestion.IN_USE
    best = next(iter(lookup.candidates.all()), None) if in_use and lookup else None
    return {
        "item": item,
        "lookup": lookup,
        "configured": client.configured(),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "refusal": refusal,
        "offer_refusal": refusal is not None and refuse.allows(item),
        "iso_reason": REASON_UNFILLED.get(refusal) if refusal else "",
        "offer_conditional": in_use and ACTIONS["conditional"].allows(item),
        "conditions": conditions_while_in_use(best.due_date if best else None),
    }
