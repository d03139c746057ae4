from django.urls import path

from sanctuary.family import views

app_name = "family"

urlpatterns = [
    path("", views.tracing_list, name="tracing_list"),
    path("people/<int:person_pk>/relative/", views.relative_add, name="relative_add"),
    path("relatives/<int:pk>/", views.relative, name="relative"),
    path("relatives/<int:pk>/event/", views.event_add, name="event_add"),
    path("relatives/<int:pk>/contact/", views.contact_add, name="contact_add"),
    path("relatives/<int:pk>/tracing/", views.tracing_open, name="tracing_open"),
    path("tracing/<int:pk>/", views.tracing, name="tracing"),
    path("tracing/<int:pk>/ask/", views.trace, name="trace"),
    path("tracing/<int:pk>/state/", views.tracing_state, name="tracing_state"),
    path("steps/<int:pk>/outcome/", views.outcome, name="outcome"),
]
