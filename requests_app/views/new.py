"""The portal's new requests: the start page, the loan, copy and reproduction forms (prefilled
from an OpenURL link) and the copy forms' live pre-check. Every view is `institution_required`."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from copyright_rules import services as copyright
from copyright_rules.facts import Flag
from fees import services as fees
from fees.models import FeeService
from registration.access import InstitutionRequest, institution_required
from requests_app import lookup, services
from requests_app.forms import CopyForm, CopyRequestForm, LoanRequestForm, ReproductionOrderForm
from requests_app.models import Service
from requests_app.openurl import OpenUrlCitation, read_openurl


def _openurl(request: InstitutionRequest) -> OpenUrlCitation:
    """The citation in this page's own query string (a form posts to its page's full URL),
    completed from its DOI's or PMID's record when the office enables it. A GET only: a sent
    form is never looked up again, its hidden `completed_from` says which record completed it.
    WSGI hands the query string over as Latin-1 text; the bytes the browser sent are UTF-8."""
    raw = request.META.get("QUERY_STRING", "")
    citation = read_openurl(raw.encode("iso-8859-1", "replace").decode("utf-8", "replace"))
    if request.method == "GET":
        return lookup.complete(citation)
    completed_from = request.POST.get("completed_from", "")
    if citation and completed_from in lookup.IDENTIFIER:
        return replace(citation, completed_from=completed_from)
    return citation


@institution_required
def new_request(request: InstitutionRequest) -> HttpResponse:
    """The start page, or an OpenURL link sent on, query string untouched, to the right form."""
    citation = _openurl(request)
    if citation:
        name = "requests:new_copy" if citation.service == Service.COPY else "requests:new_loan"
        return redirect(f"{reverse(name)}?{request.META['QUERY_STRING']}")
    return render(request, "requests_app/new.html")


def _prefill(request: InstitutionRequest, form: BaseForm, service: str) -> OpenUrlCitation:
    """The citation of the link the page was opened from, as the form's initial values. Read
    only for a page shown (a new form, or a sent one shown again with its errors, under the
    notice of where it came from): a form sent and accepted carries its citation in its fields."""
    citation = _openurl(request)
    form.initial.update(citation.initial)
    if citation and service == Service.COPY:
        form.initial["work_kind"] = citation.work_kind
    return citation


def _arrived_from(citation: OpenUrlCitation) -> dict[str, str] | None:
    """Where a prefilled form came from, for the notice above it (and the form's hidden field
    that keeps it when the form is shown again): None without a citation."""
    if not citation:
        return None
    completed = citation.completed_from
    return {
        "source": citation.source or "a citation link",
        "completed_from": completed,
        "completed": f"{completed}'s record of its {lookup.IDENTIFIER[completed]}"
        if completed
        else "",
    }


@institution_required
def new_loan(request: InstitutionRequest) -> HttpResponse:
    form = LoanRequestForm(request.POST or None)
    if form.is_valid():
        created = services.submit_loan_request(
            request.institution,
            fields={**form.cleaned_data},
            acting_user=request.user,
        )
        messages.success(request, f"{created.request_type.label} {created.pk} received.")
        return redirect("requests:detail", pk=created.pk)
    citation = _prefill(request, form, "loan")
    context = {
        "form": form,
        "arrived_from": _arrived_from(citation),
        "price_terms": fees.price_terms(request.institution, (FeeService.LOAN,)),
    }
    return render(request, "requests_app/loan_form.html", context)


@institution_required
def new_copy(request: InstitutionRequest) -> HttpResponse:
    return _copy_form(request, CopyRequestForm)


@institution_required
def new_duplication(request: InstitutionRequest) -> HttpResponse:
    """A reproduction order: its own form and page (the copy form's questions do not apply)."""
    return _copy_form(
        request, ReproductionOrderForm, template="requests_app/reproduction_form.html"
    )


def _copy_form(
    request: InstitutionRequest,
    form_class: type[CopyForm],
    *,
    template: str = "requests_app/copy_form.html",
) -> HttpResponse:
    form = form_class(request.POST or None)
    if form.is_valid():
        fields = form.request_fields()
        fields["is_duplication"] = form.duplication
        try:
            created = services.submit_copy_request(
                request.institution,
                fields=fields,
                facts=form.request_facts(),
                acting_user=request.user,
                repeat_confirmed=form.cleaned_data.get("order_again", False),
            )
        except services.IncompleteRequest as incomplete:
            form.add_error(None, incomplete.decision.explanation)
        except services.RepeatedArticle as repeated:
            form.add_error(
                "order_again", f"{repeated.decision.explanation} Tick this box to order it again."
            )
        else:
            messages.success(request, f"{created.request_type.label} {created.pk} received.")
            return redirect("requests:detail", pk=created.pk)
    citation = _prefill(request, form, "copy")
    context = {
        "form": form,
        "arrived_from": _arrived_from(citation),
        "price_terms": [] if form.duplication else _copy_price_terms(request),
    }
    return render(request, template, context)


def _copy_price_terms(request: InstitutionRequest) -> list[str]:
    copies = (FeeService.ARTICLE, FeeService.CHAPTER)
    return fees.price_terms(request.institution, copies)


@require_POST
@institution_required
def precheck(request: InstitutionRequest) -> HttpResponse:
    """The live pre-check: the likely decision for the citation typed so far. Writes nothing."""
    form_class = ReproductionOrderForm if request.POST.get("duplication") else CopyRequestForm
    form = form_class(request.POST)
    if not form.is_valid():
        fields = ", ".join(
            str(form.fields[name].label or name) for name in form.errors if name in form.fields
        )
        text = f"Not complete yet: check {fields}." if fields else "Not complete yet."
        return JsonResponse({"outcome": "incomplete", "explanation": text})
    decision = copyright.precheck(
        request.institution,
        form.request_facts(),
        acting_user=request.user,
    )
    return JsonResponse(
        {
            "outcome": decision.outcome,
            "explanation": decision.explanation,
            "repeated_article": Flag.REPEATED_ARTICLE in decision.flags,
        }
    )
