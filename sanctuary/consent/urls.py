from django.urls import path

from sanctuary.consent import views

app_name = "consent"
urlpatterns = [
    path("person/<int:pk>/", views.person_consents, name="person"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/renew/", views.renew, name="renew"),
    path("partners/", views.recipients, name="recipients"),
    path("partners/new/", views.recipient_form, name="recipient_new"),
    path("partners/<int:pk>/", views.recipient_form, name="recipient_edit"),
]
