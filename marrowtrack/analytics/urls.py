from django.urls import path

from marrowtrack.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
    path("compare/", views.compare, name="compare"),
    path("evidence/<uuid:public_id>/", views.evidence, name="evidence"),
    path("research/", views.research_home, name="research-home"),
    path("research/export.csv", views.research_export, name="research-export"),
]
