from django.contrib import admin
from django.urls import include, path

from marrowtrack.api.api import api

urlpatterns = [
    path("", include("marrowtrack.web.urls")),
    path("accounts/", include("marrowtrack.accounts.urls")),
    path("patients/", include("marrowtrack.patients.urls")),
    path("audit/", include("marrowtrack.audit.urls")),
    path("plans/", include("marrowtrack.intake.urls")),
    path("procedures/", include("marrowtrack.procedures.urls")),
    path("lab/", include("marrowtrack.lab.urls")),
    path("outcomes/", include("marrowtrack.outcomes.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

handler403 = "marrowtrack.web.views.permission_denied"
handler404 = "marrowtrack.web.views.page_not_found"
