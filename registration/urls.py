from django.urls import path

from registration import views

app_name = "registration"
urlpatterns = [
    path("", views.register, name="register"),
    path("received/", views.received, name="received"),
    path("update/<str:token>/", views.update, name="update"),
]

# The institution's own account settings, for its logged-in librarians.
account_patterns = (
    [path("emails/", views.email_preferences, name="emails")],
    "account",
)
