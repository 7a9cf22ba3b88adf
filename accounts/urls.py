from django.urls import path

from accounts import series, views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/sent/", views.sign_in_sent, name="sign_in_sent"),
    path("sign-in/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("manage/<str:reference>/", views.manage, name="manage"),
    path("export/", views.export, name="export"),
    path("erase/", views.erase, name="erase"),
    path("series/<str:reference>/", series.series_repeat, name="series"),
    path("series/<int:plan_id>/cancel/", series.series_cancel, name="series_cancel"),
]
