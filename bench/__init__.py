"""The bench suite (issue #8): synthetic ledgers, and every figure measured beside a baseline
taken in the same run on the same data. Run it with ``python -m bench.run``."""
