"""Pledger's built-in rule plugins, one module per principle (installed as ``ledger.plugins``)."""
