from django.urls import path

from payments import sales_views, views

app_name = "payments"

urlpatterns = [
    path("pay/<str:reference>/<str:token>/", views.deposit, name="deposit"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("gift-cards/balance/", views.gift_card_balance, name="gift_card_balance"),
    path("gift-cards/buy/", sales_views.gift_card_buy, name="gift_card_buy"),
    path("gift-cards/bought/", sales_views.gift_card_bought, name="gift_card_bought"),
    path("packages/", sales_views.packages, name="packages"),
    path("packages/use/<str:reference>/", sales_views.package_use, name="package_use"),
    path("staff/money/", views.day_takings, name="day"),
    path("staff/money/ledger.csv", views.ledger_csv, name="ledger_csv"),
    path("staff/money/gift-cards/sell/", views.gift_card_issue, name="gift_card_issue"),
    path("staff/money/packages/sell/", views.package_sell, name="package_sell"),
    path("staff/money/receipts/<int:payment_id>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("staff/money/bookings/<str:reference>/", views.appointment_money, name="appointment"),
    path(
        "staff/money/bookings/<str:reference>/fee/<str:kind>/",
        views.fee_charge,
        name="fee_charge",
    ),
    path("staff/money/bookings/<str:reference>/desk/", views.desk_payment, name="desk_payment"),
    path(
        "staff/money/bookings/<str:reference>/gift-card/",
        views.gift_card_redeem,
        name="gift_card_redeem",
    ),
    path(
        "staff/money/bookings/<str:reference>/package/",
        views.package_redeem,
        name="package_redeem",
    ),
]
