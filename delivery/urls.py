from django.urls import path

from delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.drop_scans, name="drop"),
    path("<uuid:batch>/", views.review, name="review"),
    path("<uuid:batch>/deliver/", views.deliver_batch, name="deliver_batch"),
    path("delivery/<int:pk>/deliver/", views.deliver_one, name="deliver_one"),
    path("delivery/<int:pk>/thumbnail.png", views.thumbnail, name="thumbnail"),
]
