"""English formats the clinic overrides: Django's "P" writes "10 a.m." and "noon", which read
unevenly in a column of times; clients in the US expect "10:00 AM" (issue 15)."""

TIME_FORMAT = "g:i A"
