from django.urls import path

from sanctuary.legal import views

app_name = "legal"

urlpatterns = [
    path("", views.alerts, name="alerts"),
    path("people/<int:person_pk>/paper/", views.paper_add, name="paper_add"),
    path("people/<int:person_pk>/detention/", views.detention_add, name="detention_add"),
    path("people/<int:person_pk>/request/", views.request_add, name="request_add"),
    path("<int:pk>/", views.paper, name="paper"),
    path("<int:pk>/status/", views.paper_status, name="paper_status"),
    path("clocks/<int:pk>/resolve/", views.clock_resolve, name="clock_resolve"),
    path("detentions/<int:pk>/", views.detention, name="detention"),
    path("detentions/<int:pk>/status/", views.detention_status, name="detention_status"),
    path("calls/<int:pk>/", views.call_tick, name="call_tick"),
    path("requests/<int:pk>/", views.request_edit, name="request"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/types/new/", views.type_form, name="type_new"),
    path("settings/types/<int:pk>/", views.type_form, name="type_edit"),
]
