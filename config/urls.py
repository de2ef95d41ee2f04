from django.contrib import admin
from django.urls import include, path

from marrowtrack.api.api import api
from marrowtrack.interop.api import fhir_api
from marrowtrack.lab import urls as lab_urls
from marrowtrack.procedures import lab_urls as lab_bench_urls

# The lab's pages and the lab bench's procedure-day pages (which live in procedures, above
# the lab) share one namespace and one prefix (docs/decisions/0006-one-way-app-layers.md).
LAB_PAGES = (lab_bench_urls.urlpatterns + lab_urls.urlpatterns, "lab")

urlpatterns = [
    path("", include("marrowtrack.web.urls")),
    path("", include("marrowtrack.ops.urls")),
    path("accounts/", include("marrowtrack.accounts.urls")),
    path("patient-mode/", include("marrowtrack.esign.urls")),
    path("patients/", include("marrowtrack.patients.urls")),
    path("audit/", include("marrowtrack.audit.urls")),
    path("plans/", include("marrowtrack.intake.urls")),
    path("procedures/", include("marrowtrack.procedures.urls")),
    path("lab/", include(LAB_PAGES)),
    path("facilities/", include("marrowtrack.facilities.urls")),
    path("outcomes/", include("marrowtrack.outcomes.urls")),
    path("recovery/", include("marrowtrack.recovery.urls")),
    path("analytics/", include("marrowtrack.analytics.urls")),
    path("portal/", include("marrowtrack.portal.urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", fhir_api.urls),
    path("django-admin/", admin.site.urls),
]

handler403 = "marrowtrack.web.views.permission_denied"
handler404 = "marrowtrack.web.views.page_not_found"
