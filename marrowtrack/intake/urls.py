from django.urls import path

from marrowtrack.intake.views import availability, consent, plans, safety, schedule

app_name = "intake"
urlpatterns = [
    path("", plans.plan_list, name="plan-list"),
    path("availability/", availability.availability, name="availability"),
    path("rules/", safety.ruleset, name="ruleset"),
    path("settings/", safety.settings_edit, name="settings"),
    path("new/<uuid:patient_id>/", plans.plan_create, name="plan-create"),
    path("<uuid:public_id>/", plans.plan_detail, name="plan-detail"),
    path("<uuid:public_id>/edit/", plans.plan_edit, name="plan-edit"),
    path("<uuid:public_id>/cancel/", plans.plan_cancel, name="plan-cancel"),
    path("<uuid:public_id>/treated/", plans.plan_treated, name="plan-treated"),
    path("<uuid:public_id>/prior/add/", plans.prior_add, name="prior-add"),
    path("<uuid:public_id>/lab-values/add/", plans.lab_value_add, name="labvalue-add"),
    path("<uuid:public_id>/screening/", plans.screening_run, name="screening-run"),
    path("<uuid:public_id>/decision/", plans.decision, name="decision"),
    path("<uuid:public_id>/holds/add/", safety.hold_add, name="hold-add"),
    path("<uuid:public_id>/day-check/", safety.day_check, name="day-check"),
    path("<uuid:public_id>/instructions/", plans.instructions, name="instructions"),
    path("<uuid:public_id>/instructions.pdf", plans.instructions_pdf, name="instructions-pdf"),
    path("<uuid:public_id>/appointment.ics", plans.instructions_ics, name="instructions-ics"),
    path("<uuid:public_id>/consent/", consent.consent_start, name="consent-start"),
    path("consents/<uuid:public_id>/", consent.consent_detail, name="consent-detail"),
    path("consents/<uuid:public_id>/sign/", consent.consent_sign, name="consent-sign"),
    path("consents/<uuid:public_id>/witness/", consent.consent_witness, name="consent-witness"),
    path("consents/<uuid:public_id>/consent.pdf", consent.consent_pdf, name="consent-pdf"),
    path("<uuid:public_id>/book/", schedule.appointment_book, name="appointment-book"),
    path(
        "appointments/<uuid:public_id>/reschedule/",
        schedule.appointment_reschedule,
        name="appointment-reschedule",
    ),
    path(
        "appointments/<uuid:public_id>/cancel/",
        schedule.appointment_cancel,
        name="appointment-cancel",
    ),
    path("schedule/", schedule.schedule, name="schedule"),
    path("schedule/free-slots/", schedule.free_slots, name="free-slots"),
]
