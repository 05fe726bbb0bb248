from django.contrib import admin
from django.urls import include, path

from ordex.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("c/", include("ordex.notify.urls")),
    path("", include("ordex.web.urls")),
]
