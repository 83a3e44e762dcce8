from django.urls import path

from fees import views

app_name = "fees"

urlpatterns = [
    path("statement/", views.statement, name="statement"),
    path("invoices/<int:number>.pdf", views.invoice_document, {"kind": "pdf"}, name="invoice_pdf"),
    path("invoices/<int:number>.csv", views.invoice_document, {"kind": "csv"}, name="invoice_csv"),
    path(
        "desk/invoices/<int:number>.pdf",
        views.desk_invoice_document,
        {"kind": "pdf"},
        name="desk_invoice_pdf",
    ),
    path(
        "desk/invoices/<int:number>.csv",
        views.desk_invoice_document,
        {"kind": "csv"},
        name="desk_invoice_csv",
    ),
]
