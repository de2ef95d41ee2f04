from django.urls import path

from marrowtrack.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("rooms/new/", views.room_new, name="room-new"),
    path("rooms/<uuid:public_id>/", views.room_edit, name="room-edit"),
    path("equipment/new/", views.equipment_new, name="equipment-new"),
    path("equipment/<uuid:public_id>/", views.equipment_edit, name="equipment-edit"),
    path("kit-lots/new/", views.kitlot_new, name="kitlot-new"),
    path("kit-lots/<uuid:public_id>/", views.kitlot_edit, name="kitlot-edit"),
    path("kit-lots/<uuid:public_id>/status/", views.kitlot_status, name="kitlot-status"),
]
