from django.urls import path

from sanctuary.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.index, name="index"),
    path("tables/", views.tables, name="tables"),
    path("tables/new/", views.table_form, name="table_new"),
    path("tables/<int:pk>/", views.table_form, name="table_edit"),
    path("tables/<int:pk>/propose/", views.propose, name="propose"),
    path("releases/<int:pk>/", views.release, name="release"),
    path("releases/<int:pk>/approve/", views.approve, name="approve"),
    path("releases/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("releases/<int:pk>/<str:file_format>/", views.download, name="download"),
    path("others/new/", views.external_new, name="external_new"),
    path("others/<int:pk>/retire/", views.external_retire, name="external_retire"),
    path("settings/", views.settings_view, name="settings"),
]
