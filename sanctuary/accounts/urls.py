from django.urls import path

from sanctuary.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("password/", views.password_change, name="password_change"),
    path("me/", views.account, name="account"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/<slug:action>/", views.staff_action, name="staff_action"),
    path("promotions/<int:pk>/<slug:decision>/", views.promotion_decide, name="promotion_decide"),
    path("account-alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("seal/", views.seal_now, name="seal"),
]
