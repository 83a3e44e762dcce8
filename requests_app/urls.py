from django.urls import path

from requests_app import desk, desk_statistics, views
from requests_app.iso18626 import views as iso18626_views

portal_patterns = (
    [
        path("", views.dashboard, name="dashboard"),
        path("new/", views.new_request, name="new"),
        path("new/loan/", views.new_loan, name="new_loan"),
        path("new/copy/", views.new_copy, name="new_copy"),
        path("new/duplication/", views.new_duplication, name="new_duplication"),
        path("precheck/", views.precheck, name="precheck"),
        path("list/", views.request_list, name="list"),
        path("<int:pk>/", views.detail, name="detail"),
        path("<int:pk>/cancel/", views.cancel, name="cancel"),
        path("<int:pk>/conditions/", views.answer_conditions, name="conditions"),
        path("<int:pk>/permission/", views.add_permission, name="permission"),
        path("<int:pk>/message/", views.send_message, name="message"),
        path("<int:pk>/renew/", views.ask_renewal, name="renew"),
        path("<int:pk>/quote/", views.answer_quote, name="quote"),
        path("<int:pk>/copy.pdf", views.download, name="download"),
    ],
    "requests",
)

desk_patterns = (
    [
        path("", desk.queues, name="queues"),
        path("home/", desk.home, name="home"),
        path("statistics/", desk_statistics.statistics, name="stats"),
        path("statistics.csv", desk_statistics.statistics_csv, name="stats_csv"),
        path("statistics/refresh/", desk_statistics.statistics_refresh, name="stats_refresh"),
        path("batch/", desk.batch, name="batch"),
        path("<int:pk>/", desk.detail, name="detail"),
        path("<int:pk>/claim/", desk.claim, name="claim"),
        path("<int:pk>/slip/", desk.pull_slip, name="slip"),
        path("<int:pk>/band/", desk.book_band, name="band"),
        path("<int:pk>/copy.pdf", desk.download, name="download"),
        path(
            "<int:pk>/iso18626/<int:message_id>/resend/",
            iso18626_views.resend,
            name="iso18626_resend",
        ),
        path("<int:pk>/<slug:action>/", desk.act, name="act"),
    ],
    "desk",
)
