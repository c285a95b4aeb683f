"""Digest Celery tasks (owned by the digest work)."""
