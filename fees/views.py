"""The library's statement and its invoices, and the desk's copy of any invoice. The portal
views fetch invoices through `Invoice.objects.for_institution(...)`: another's is a 404."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from fees import documents, statements
from fees.models import Invoice
from registration.access import institution_required


@institution_required
def statement(request: HttpRequest) -> HttpResponse:
    institution = request.institution  # type: ignore[attr-defined]
    context = {
        "statement": statements.statement_for(institution),
        "invoices": Invoice.objects.for_institution(institution).order_by("-number")[:24],
    }
    return render(request, "fees/statement.html", context)


@institution_required
def invoice_document(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    mine = Invoice.objects.for_institution(request.institution)  # type: ignore[attr-defined]
    return _document(get_object_or_404(mine.select_related("institution"), number=number), kind)


@staff_member_required
@permission_required("fees.view_invoice", raise_exception=True)
def desk_invoice_document(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    found = Invoice.objects.select_related("institution")
    return _document(get_object_or_404(found, number=number), kind)


def _document(invoice: Invoice, kind: str) -> HttpResponse:
    name = f"invoice-{invoice.number}.{kind}"
    if kind == "pdf":
        response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
    else:
        response = HttpResponse(documents.invoice_csv(invoice), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
