"""The public certificate check, included at ``/c/`` (a public path: no login)."""

from django.urls import path, re_path

from sanctuary.training import public_views

app_name = "certificates"
urlpatterns = [
    path("", public_views.check, name="check"),
    path("key.pem", public_views.key_pem, name="key"),
    # The printed address /c/<code>, also with the slash people add.
    re_path(r"^(?P<code>[^/]+)/?$", public_views.certificate, name="certificate"),
]
