"""The public JSON API (SPEC "Public HTTP interface"): endpoints land in the next commit."""

from ninja import NinjaAPI

api = NinjaAPI(title="Ashiatsu Clinic API", version="1", urls_namespace="api")
