"""Spanish formats the clinic overrides (issue 15).

The clinic is in New York and its Spanish-speaking clients live with the 12-hour clock
(US Spanish writes "3:30 p.m."), the English pages and e-mails use it too, and a client
comparing the two never has to convert 15:30. So Spanish keeps Django's dates
("martes 3 de diciembre") and writes times on the 12-hour clock; "a" gives "a.m."/"p.m."
from Django's own Spanish catalogue.
"""

TIME_FORMAT = "g:i a"
# Prices are US dollars, which US Spanish writes as in English: $120.00, not $120,00.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
