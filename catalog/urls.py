from django.urls import path

from catalog import views

catalog_patterns = (
    [
        path("<int:pk>/look-up/", views.look_up, name="look_up"),
        path("<int:pk>/confirm/", views.confirm, name="confirm"),
    ],
    "catalog",
)
