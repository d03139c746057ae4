from django.urls import path, re_path

from sanctuary.intake import views

app_name = "intake"

# Staff pages, under /triage/.
urlpatterns = [
    path("", views.triage_queue, name="queue"),
    path("log/", views.log_contact, name="log"),
    path("<int:pk>/", views.triage_detail, name="detail"),
    path("<int:pk>/person/", views.create_person, name="create_person"),
    path("<int:pk>/files/<int:attachment_id>/", views.attachment_view, name="attachment"),
    re_path(r"^(?P<pk>\d+)/(?P<action>spam|reopen|public_status|merge|link)/$", views.triage_action, name="action"),
]
