"""The ``pledger`` command line: parse, call :mod:`ledger`, render. No business logic here."""
