from django.urls import path

from sanctuary.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.testimonies, name="testimonies"),
    path("people/<int:person_pk>/new/", views.testimony_new, name="testimony_new"),
    path("<int:pk>/", views.testimony, name="testimony"),
    path("<int:pk>/state/", views.testimony_state, name="testimony_state"),
    path("<int:pk>/items/new/", views.item_add, name="item_add"),
    path("<int:pk>/packages/new/", views.package_new, name="package_new"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/check/", views.item_check, name="item_check"),
    path("items/<int:pk>/file/", views.item_download, name="item_download"),
    path("items/<int:pk>/copy/", views.item_copy, name="item_copy"),
    path("packages/<int:pk>/", views.package_view, name="package"),
    path("packages/<int:pk>/release/", views.package_release, name="package_release"),
    path("packages/<int:pk>/cancel/", views.package_cancel, name="package_cancel"),
    path("packages/<int:pk>/handed-over/", views.package_transferred, name="package_transferred"),
    path("packages/<int:pk>/file/", views.package_download, name="package_download"),
    path("notices/<int:pk>/sent/", views.notice_sent, name="notice_sent"),
    path("keys/", views.recipient_keys, name="keys"),
    path("keys/<int:pk>/confirm/", views.key_confirm, name="key_confirm"),
    path("keys/<int:pk>/retire/", views.key_retire, name="key_retire"),
]
