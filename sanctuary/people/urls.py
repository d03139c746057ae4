from django.urls import path

from sanctuary.people import transfer_views, views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/status/", views.person_status, name="status"),
    path("<int:pk>/case-worker/", views.case_worker_assign, name="case_worker"),
    path("<int:pk>/identity/", views.identity_request, name="identity_request"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_id>/", views.document_view, name="document_view"),
    path("<int:pk>/hand-over/", transfer_views.transfer_request, name="transfer_request"),
    path("hand-overs/", transfer_views.transfer_list, name="transfers"),
    path("hand-overs/policy/", transfer_views.transfer_policy, name="transfer_policy"),
    path("hand-overs/<int:transfer_id>/withdraw/", transfer_views.transfer_withdraw, name="transfer_withdraw"),
    path("hand-overs/<int:transfer_id>/<slug:decision>/", transfer_views.transfer_decide, name="transfer_decide"),
    path("identity-requests/", views.identity_queue, name="identity_queue"),
    path("identity-requests/<int:request_id>/<slug:decision>/", views.identity_decide, name="identity_decide"),
]
