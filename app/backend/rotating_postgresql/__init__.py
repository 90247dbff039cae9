"""A PostgreSQL database backend whose password comes from Secrets Manager and may rotate (base.py)."""
