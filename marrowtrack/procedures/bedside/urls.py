from django.urls import path

from marrowtrack.procedures.bedside import views

urlpatterns = [
    path("<uuid:public_id>/bedside/", views.bedside_page, name="bedside"),
    path("<uuid:public_id>/bedside/verify/", views.verify, name="bedside-verify"),
    path("<uuid:public_id>/bedside/inject/", views.inject, name="inject"),
    path("<uuid:public_id>/bedside/return/", views.return_to_lab, name="bedside-return"),
]
