from django.urls import path

from sanctuary.stipends import views

app_name = "stipends"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("funders/", views.funders, name="funders"),
    path("funders/<int:pk>/", views.funder_detail, name="funder"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/approve/", views.run_approve, name="approve"),
    path("runs/<int:pk>/disburse/", views.run_disburse, name="disburse"),
    path("runs/<int:pk>/reconcile/", views.run_reconcile, name="reconcile"),
    path("runs/<int:pk>/upload/", views.run_upload, name="upload"),
    path("runs/<int:pk>/download/<slug:kind>/", views.run_download, name="download"),
    path("runs/<int:pk>/lines/<int:line_id>/review/", views.line_review, name="line_review"),
    path("people/<int:person_pk>/", views.ledger, name="ledger"),
    path("reports/", views.reports, name="reports"),
]
