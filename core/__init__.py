"""Plain helpers every app uses (no models, no Django app): the clinic's clock and secret
link tokens. The lowest layer: it imports no project module."""
