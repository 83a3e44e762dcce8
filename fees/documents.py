"""An invoice as the library receives it: a PDF and a CSV of the same lines. The PDF is drawn by
WeasyPrint from an HTML template, as the delivery's cover pages are (docs/fees.md): a tagged PDF
(PDF/UA-1) with its language and title."""

from __future__ import annotations

import csv
import io

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string

from copyright_rules.reports import safe_cell
from fees.models import Charge, Invoice

CSV_HEADER = ("invoice", "month", "request", "charged_on", "description", "currency", "amount")


def _lines(invoice: Invoice) -> list[Charge]:
    return list(invoice.charges.order_by("charged_on", "pk"))


def invoice_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for charge in _lines(invoice):
        writer.writerow(
            (
                invoice.number,
                f"{invoice.month:%Y-%m}",
                charge.request_id,
                charge.charged_on.isoformat(),
                safe_cell(charge.description),
                charge.currency,
                charge.amount,
            )
        )
    writer.writerow((invoice.number, f"{invoice.month:%Y-%m}", "", "", "Total", "", invoice.total))
    return out.getvalue()


def invoice_pdf(invoice: Invoice) -> bytes:
    context = {"invoice": invoice, "lines": _lines(invoice), "office": settings.OFFICE_NAME}
    html = render_to_string("fees/invoice.html", context)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
