from django.urls import path

from sanctuary.training import certificate_views, views

app_name = "training"

urlpatterns = [
    path("", views.cohorts, name="cohorts"),
    path("courses/", views.courses, name="courses"),
    path("courses/new/", views.course_form, name="course_new"),
    path("courses/<int:pk>/", views.course_form, name="course_edit"),
    path("courses/<int:course_pk>/cohort/", views.cohort_new, name="cohort_new_for"),
    path("cohorts/<int:pk>/", views.cohort, name="cohort"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/state/", views.cohort_state, name="cohort_state"),
    path("cohorts/<int:pk>/end/", views.end_group, name="end_group"),
    path("cohorts/<int:pk>/sessions/", views.sessions, name="sessions"),
    path("sessions/<int:pk>/", views.session_edit, name="session_edit"),
    path("cohorts/<int:pk>/selection/", views.selection, name="selection"),
    path("selections/<int:pk>/<str:answer>/", views.selection_decide, name="selection_decide"),
    path("cohorts/<int:pk>/attendance/<str:day>/", views.attendance, name="attendance"),
    path("cohorts/<int:pk>/graduation/", views.graduation, name="graduation"),
    path("graduations/<int:pk>/<str:answer>/", views.graduation_decide, name="graduation_decide"),
    path("apply/<int:person_pk>/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/excuse/", views.excuse, name="excuse"),
    path("applications/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("applications/<int:pk>/certificate/", certificate_views.issue, name="certificate_issue"),
    path("certificates/<int:pk>/pdf/", certificate_views.pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", certificate_views.revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/revoke/confirm/", certificate_views.revoke_confirm, name="certificate_revoke_confirm"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/resolve/", views.resolve_alert, name="resolve_alert"),
    path("settings/", views.settings_view, name="settings"),
]
