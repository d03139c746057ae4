from django.urls import path, re_path

from sanctuary.intake import views

# The public form, under /intake/ and the optional secret path; Burmese unless the address
# names another language.
urlpatterns = [
    path("", views.intake_form, name="form"),
    re_path(r"^(?P<lang>my|en|th)/$", views.intake_form, name="form_lang"),
    path("status/", views.intake_status, name="status"),
    re_path(r"^(?P<lang>my|en|th)/status/$", views.intake_status, name="status_lang"),
]
