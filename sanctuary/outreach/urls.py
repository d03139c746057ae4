from django.urls import path

from sanctuary.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<int:pk>/", views.event, name="event"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_add, name="template_add"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/retire/", views.template_retire, name="template_retire"),
    path("contacts/", views.contacts, name="contacts"),
    path("people/<int:person_pk>/contact/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/state/", views.contact_state, name="contact_state"),
    path("contacts/<int:pk>/reply/", views.contact_reply, name="contact_reply"),
    path("replies/", views.replies, name="replies"),
    path("replies/<int:pk>/link/", views.reply_link, name="reply_link"),
    path("replies/<int:pk>/link/confirm/", views.reply_link_confirm, name="reply_link_confirm"),
    path("replies/<int:pk>/confirm/", views.reply_confirm, name="reply_confirm"),
    path("replies/check/", views.poll, name="poll"),
    path("send/", views.send_new, name="send_new"),
    path("sends/", views.sends, name="sends"),
    path("sends/<int:pk>/", views.send_detail, name="send"),
    path("sends/<int:pk>/approve/", views.send_approve, name="send_approve"),
    path("sends/<int:pk>/cancel/", views.send_cancel, name="send_cancel"),
    path("messages/<int:pk>/sent/", views.message_sent, name="message_sent"),
    path("messages/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("attribution/", views.attribution_report, name="attribution"),
    path("settings/", views.channel_settings, name="settings"),
    path("settings/<str:channel>/", views.channel_save, name="channel_save"),
]
