"""Acting on a request with the desk's action table (requests_app/actions.py): the actions the
request page offers, and `perform`, the gate every desk action goes through (the request page,
batch work). It refuses a status the row does not allow, and the service's compare-and-set on that
same status makes the check race-free (docs/desk.md, "The action table")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fees import services as fees
from illdesk.actors import Actor
from requests_app import forms as action_forms
from requests_app import services
from requests_app.actions import ACTIONS, DeskAction, Tone
from requests_app.models import Request


@dataclass(frozen=True)
class Offer:
    """One action as the request page shows it."""

    action: DeskAction
    form: action_forms.ActionForm
    is_next: bool
    detail: str = ""

    @property
    def is_open(self) -> bool:
        """Shown unfolded: the likely next step, or a form that came back with errors."""
        return self.is_next or bool(self.form.errors)


_ORDER = {Tone.STEP: 1, Tone.NOTE: 2, Tone.DANGER: 3}


def offers(item: Request, bound: dict[str, action_forms.ActionForm] | None = None) -> list[Offer]:
    """The actions the request's status allows: the likely next step first, the rest in table
    order, the ones that end the request last. `bound` holds a submitted form to show again."""
    bound = bound or {}
    shown = [
        Offer(
            row,
            bound.get(row.slug) or row.blank_form(item),
            row.is_next_for(item),
            row.describe(item) if row.describe else "",
        )
        for row in ACTIONS.values()
        if row.allows(item)
    ]
    return sorted(shown, key=lambda offer: 0 if offer.is_next else _ORDER[offer.action.tone])


def perform(
    action: DeskAction, item: Request, form: action_forms.ActionForm, *, acting_user: Actor
) -> object:
    """Run a validated action form; StaleRequest if the status the user saw does not allow it."""
    if form.cleaned_data["seen_status"] not in action.sources or item.service not in action.kinds:
        raise services.stale(item)
    return action.service(item, acting_user=acting_user, **form.arguments())


@dataclass
class BatchResult:
    """What a batch did to each selected request, for the one-line report staff read."""

    verb: str
    why_not: str = "did not allow it"
    done: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    not_allowed: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.done)} {self.verb}"]
        if self.changed:
            parts.append(f"{len(self.changed)} had changed meanwhile: {_numbers(self.changed)}")
        if self.not_allowed:
            parts.append(f"{len(self.not_allowed)} {self.why_not}: {_numbers(self.not_allowed)}")
        return ", ".join(parts) + "."


def _numbers(numbers: list[int]) -> str:
    noun = "request" if len(numbers) == 1 else "requests"
    return f"{noun} {', '.join(str(n) for n in numbers)}"


def perform_batch(
    action: DeskAction,
    picked: list[tuple[Request, str]],
    data: Mapping[str, object],
    *,
    acting_user: Actor,
) -> BatchResult:
    """Run one action's validated input on each (request, status the user saw), each in its own
    compare-and-set: one request that changed does not stop the others."""
    result = BatchResult(verb=action.past)
    for item, seen in picked:
        form = action.form({**data, "seen_status": seen})
        if seen != item.status:
            result.changed.append(item.pk)
            continue
        if not action.allows(item) or not form.is_valid():
            result.not_allowed.append(item.pk)
            continue
        try:
            perform(action, item, form, acting_user=acting_user)
        except services.StaleRequest:
            result.changed.append(item.pk)
        except fees.ChargeAboveMaximum:
            result.not_allowed.append(item.pk)
        else:
            result.done.append(item.pk)
    return result
