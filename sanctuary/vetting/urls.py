from django.urls import path

from sanctuary.vetting import views

app_name = "vetting"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("checklist/", views.checklist, name="checklist"),
    path("checklist/<int:check_id>/", views.checklist, name="checklist_edit"),
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve_alert"),
    path("<int:pk>/", views.person_vetting, name="person"),
    path("<int:pk>/check/<int:check_id>/", views.record_check, name="check"),
    path("<int:pk>/referee/", views.add_referee, name="referee"),
    path("<int:pk>/referee/<int:referee_id>/", views.update_referee, name="referee_update"),
    path("<int:pk>/flag/", views.raise_flag, name="flag"),
    path("<int:pk>/flag/<int:flag_id>/clear/", views.clear_flag, name="flag_clear"),
    path("<int:pk>/note/", views.add_note, name="note"),
    path("<int:pk>/proof/", views.add_proof, name="proof"),
    path("<int:pk>/proof/<int:document_id>/", views.proof_view, name="proof_view"),
    path("<int:pk>/decision/", views.propose, name="propose"),
    path("<int:pk>/decision/<int:decision_id>/<slug:answer>/", views.second, name="second"),
]
