from django.urls import path

from marrowtrack.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("password/", views.password_change_view, name="password-change"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("staff/", staff_views.staff_list, name="staff-list"),
    path("staff/new/", staff_views.staff_new, name="staff-new"),
    path("staff/<uuid:public_id>/", staff_views.staff_edit, name="staff-edit"),
    path("staff/<uuid:public_id>/reset/", staff_views.staff_reset, name="staff-reset"),
    path("staff/<uuid:public_id>/unlock/", staff_views.staff_unlock_view, name="staff-unlock"),
    path(
        "staff/<uuid:public_id>/tokens/revoke/",
        staff_views.staff_tokens_revoke,
        name="staff-tokens-revoke",
    ),
]
