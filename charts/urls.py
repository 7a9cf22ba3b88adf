"""The chart's actions, mounted at /therapist/chart/."""

from django.urls import path

from charts import views

app_name = "charts"

urlpatterns = [
    path("<str:reference>/save/", views.chart_save, name="save"),
    path("<str:reference>/addendum/", views.chart_addendum, name="addendum"),
    path("<str:reference>/discard/", views.chart_discard, name="discard"),
]
