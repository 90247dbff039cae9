"""Test-only helpers (plain functions, no pytest): import batches written straight to the
database (``imports``), faults made on the database side (``database_faults``) and sample
payloads in the app's validated form (``samples.parsed_samples``).

What the rehearsal and the benchmarks share with the tests lives in ``localservices``.
"""
