"""Test-only helpers (plain functions, no pytest): import batches written straight to the
database (``imports``) and faults made on the database side (``database_faults``).

What the rehearsal and the benchmarks share with the tests lives in ``localservices``.
"""
