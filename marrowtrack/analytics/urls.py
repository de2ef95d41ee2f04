from django.urls import path

from marrowtrack.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
    path("dashboard.parquet", views.dashboard_parquet, name="dashboard-parquet"),
    path("dose/", views.dose, name="dose"),
    path("dose.csv", views.dose_csv, name="dose-csv"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("compare/", views.compare, name="compare"),
    path("evidence/<uuid:public_id>/", views.evidence, name="evidence"),
    path("research/", views.research_home, name="research-home"),
    path("research/export.csv", views.research_export, name="research-export"),
    path("research/export.parquet", views.research_export_parquet, name="research-export-parquet"),
]
