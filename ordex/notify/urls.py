from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("<str:token>/", views.self_service, name="self-service"),
    path("<str:token>/choose", views.choose, name="choose"),
    path("<str:token>/address", views.address, name="address"),
    path("<str:token>/photo", views.photo, name="photo"),
    path("<str:token>/rate", views.rate, name="rate"),
]
