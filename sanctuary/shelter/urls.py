from django.urls import path

from sanctuary.shelter import views

app_name = "shelter"

urlpatterns = [
    path("", views.board_view, name="board"),
    path("place/<int:person_pk>/", views.place, name="place"),
    path("stays/<int:pk>/", views.stay_detail, name="stay"),
    path("stays/<int:pk>/extend/", views.extend, name="extend"),
    path("stays/<int:pk>/extensions/<int:extension_id>/<slug:answer>/", views.decide, name="decide"),
    path("stays/<int:pk>/move-out/", views.move_out, name="move_out"),
    path("houses/", views.houses, name="houses"),
    path("houses/<int:pk>/", views.house_edit, name="house"),
]
