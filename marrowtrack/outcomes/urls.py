from django.urls import path

from marrowtrack.outcomes.views import portal, redcap, reinterventions, staff

app_name = "outcomes"
urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("schedule/yearly/", staff.schedule_yearly, name="schedule-yearly"),
    path("plans/<uuid:public_id>/", staff.plan_detail, name="plan-detail"),
    path("plans/<uuid:public_id>/censor/", staff.plan_censor, name="plan-censor"),
    path(
        "plans/<uuid:public_id>/reinterventions/",
        reinterventions.plan_reinterventions,
        name="plan-reinterventions",
    ),
    path(
        "plans/<uuid:public_id>/transcribe/<str:instrument>/",
        staff.transcribe,
        name="transcribe",
    ),
    path("followups/<uuid:public_id>/link/", staff.followup_link, name="followup-link"),
    path("responses/<uuid:public_id>/verify/", staff.response_verify, name="response-verify"),
    path("patients/<uuid:public_id>/chart/", staff.patient_chart, name="patient-chart"),
    path("redcap/", redcap.redcap_page, name="redcap"),
    path("redcap/<str:name>", redcap.project_file, name="redcap-file"),
    path("portal/s/<str:token>/", portal.portal_start, name="portal-start"),
    path("portal/survey/", portal.portal_survey, name="portal-survey"),
    path("portal/survey/submit/", portal.portal_submit, name="portal-submit"),
    path("portal/results/", portal.portal_results, name="portal-results"),
]
