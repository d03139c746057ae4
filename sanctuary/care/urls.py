from django.urls import path

from sanctuary.care import views

app_name = "care"
urlpatterns = [
    path("", views.items, name="items"),
    path("person/<int:person_pk>/plan/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("plans/<int:pk>/needs/", views.need_add, name="need_add"),
    path("plans/<int:pk>/items/", views.item_add, name="item_add"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("items/<int:pk>/done/", views.item_done, name="item_done"),
    path("items/<int:pk>/cancel/", views.item_cancel, name="item_cancel"),
    path("person/<int:person_pk>/refer/", views.refer, name="refer"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("person/<int:person_pk>/counselling/", views.counselling, name="counselling"),
    path("person/<int:person_pk>/counselling/session/", views.session_new, name="session_new"),
    path("person/<int:person_pk>/counselling/scale/", views.scale_new, name="scale_new"),
    path("person/<int:person_pk>/counselling/emergency/", views.emergency_request, name="emergency_request"),
    path("notes/<int:pk>/addendum/", views.note_addendum, name="note_addendum"),
    path("emergency/", views.emergencies, name="emergencies"),
    path("emergency/<int:pk>/answer/", views.emergency_answer, name="emergency_answer"),
    path("emergency/<int:pk>/seen/", views.emergency_ack, name="emergency_ack"),
    path("groups/", views.groups, name="groups"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_form, name="template_new"),
    path("templates/<int:pk>/", views.template_form, name="template_edit"),
    path("settings/", views.care_settings, name="settings"),
]
