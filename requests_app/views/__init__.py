"""The institution portal: new requests (`new`) and the library's requests (`pages`)."""

from requests_app.views.new import (
    new_copy,
    new_duplication,
    new_loan,
    new_request,
    precheck,
)
from requests_app.views.pages import (
    add_permission,
    answer_conditions,
    answer_quote,
    ask_renewal,
    cancel,
    dashboard,
    delivered_file_response,
    detail,
    download,
    request_list,
    send_message,
)

__all__ = [
    "add_permission",
    "answer_conditions",
    "answer_quote",
    "ask_renewal",
    "cancel",
    "dashboard",
    "delivered_file_response",
    "detail",
    "download",
    "new_copy",
    "new_duplication",
    "new_loan",
    "new_request",
    "precheck",
    "request_list",
    "send_message",
]
