from django.urls import path

from marrowtrack.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("staff/", staff_views.staff_list, name="staff-list"),
    path("staff/new/", staff_views.staff_new, name="staff-new"),
    path("staff/<uuid:public_id>/", staff_views.staff_edit, name="staff-edit"),
    path("staff/<uuid:public_id>/reset/", staff_views.staff_reset, name="staff-reset"),
]
