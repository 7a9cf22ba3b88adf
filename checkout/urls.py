from django.urls import path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("tip/<str:reference>/<str:token>/", views.tip, name="tip"),
    path("staff/checkout/payroll/", views.payroll, name="payroll"),
    path("staff/checkout/payroll.csv", views.payroll_csv, name="payroll_csv"),
    path("staff/checkout/<str:reference>/", views.desk, name="desk"),
    path("staff/checkout/<str:reference>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
]
