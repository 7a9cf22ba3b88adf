"""The therapist portal: views land in a later commit."""

app_name = "therapists"

urlpatterns: list = []
