from django.urls import path

from marrowtrack.portal.views import auth, checkins, pages, staff

app_name = "portal"
urlpatterns = [
    path("", pages.home, name="home"),
    path("sign-in/", auth.sign_in, name="sign-in"),
    path("l/<str:token>/", auth.link, name="link"),
    path("sign-out/", auth.sign_out, name="sign-out"),
    path("password/", auth.password, name="password"),
    path("contact/", pages.contact, name="contact"),
    path("appointments/", pages.appointments, name="appointments"),
    path("instructions/", pages.instructions, name="instructions"),
    path("recovery/<uuid:public_id>/instructions/", pages.discharge, name="discharge"),
    path(
        "recovery/<uuid:public_id>/instructions.pdf",
        pages.discharge_download,
        name="discharge-pdf",
    ),
    path("consents/", pages.consents, name="consents"),
    path("consents/<uuid:public_id>.pdf", pages.consent_download, name="consent-pdf"),
    path("check-ins/", checkins.checkins, name="checkins"),
    path("check-ins/<uuid:public_id>/", checkins.checkin, name="checkin"),
    path("surveys/", pages.surveys, name="surveys"),
    path("surveys/<uuid:public_id>/start/", pages.survey_start, name="survey-start"),
    path("results/", pages.results, name="results"),
    path("what-we-measured/", pages.evidence, name="evidence"),
    path("staff/patients/<uuid:public_id>/send-link/", staff.send_link, name="send-link"),
]
