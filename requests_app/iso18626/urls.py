from django.urls import path

from requests_app.iso18626 import views

iso18626_patterns = (
    [
        path("", views.endpoint, name="endpoint"),
        path("copy/<str:token>/", views.copy, name="copy"),
    ],
    "iso18626",
)
