"""The chart's actions, mounted at /therapist/chart/."""

from django.urls import path

from charts import views

app_name = "charts"

urlpatterns = [
    path("<str:reference>/save/", views.chart_save, name="save"),
    path("<str:reference>/addendum/", views.chart_addendum, name="addendum"),
    path("<str:reference>/discard/", views.chart_discard, name="discard"),
    path("<str:reference>/template/", views.chart_template, name="template"),
    path("<str:reference>/template/save/", views.chart_template_save, name="template_save"),
    path("<str:reference>/phrases/", views.chart_phrase_add, name="phrase_add"),
    path("<str:reference>/photos/", views.chart_photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.chart_photo, name="photo"),
]
