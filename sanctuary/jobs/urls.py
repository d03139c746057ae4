from django.urls import path

from sanctuary.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.openings, name="openings"),
    path("openings/new/", views.opening_form, name="opening_new"),
    path("openings/<int:pk>/", views.opening, name="opening"),
    path("openings/<int:pk>/edit/", views.opening_form, name="opening_edit"),
    path("employers/", views.employers, name="employers"),
    path("employers/new/", views.employer_form, name="employer_new"),
    path("employers/<int:pk>/", views.employer_form, name="employer_edit"),
    path("employers/<int:pk>/flag/", views.employer_flag, name="employer_flag"),
    path("person/<int:person_pk>/propose/", views.propose, name="propose"),
    path("placements/<int:pk>/", views.placement, name="placement"),
    path("placements/<int:pk>/advance/", views.advance, name="advance"),
    path("placements/<int:pk>/start/", views.start, name="start"),
    path("placements/<int:pk>/end/", views.end, name="end"),
    path("placements/<int:pk>/close/", views.close, name="close"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
]
