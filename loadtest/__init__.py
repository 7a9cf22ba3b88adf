"""Load test of the clinic served by gunicorn on a real PostgreSQL: `make loadtest`."""
