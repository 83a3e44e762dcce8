"""An invoice as the library receives it: a PDF (fpdf2) and a CSV of the same lines."""

from __future__ import annotations

import csv
import io

from fpdf import FPDF

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


def _text(value: object) -> str:
    # The PDF's built-in fonts cover Latin-1 only; a name outside it prints with "?" rather
    # than failing the whole invoice.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice: Invoice) -> bytes:
    pdf = FPDF(format="letter")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.cell(text=f"Invoice {invoice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    institution = invoice.institution
    for line in (
        _text(f"{institution.oclc_symbol} {institution.name}"),
        f"Charges of {invoice.month:%B %Y}, issued {invoice.issued_at:%Y-%m-%d}",
    ):
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln()
    with pdf.table(col_widths=(20, 25, 100, 35), text_align=("LEFT", "LEFT", "LEFT", "RIGHT")) as t:
        t.row(("Request", "Date", "Description", f"Amount ({invoice.currency})"))
        for charge in _lines(invoice):
            t.row(
                (
                    str(charge.request_id),
                    f"{charge.charged_on}",
                    _text(charge.description),
                    f"{charge.amount:,.2f}",
                )
            )
        t.row(("", "", "Total", f"{invoice.total:,.2f}"))
    return bytes(pdf.output())
