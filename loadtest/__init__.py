"""`make loadtest`: locust against gunicorn + PostgreSQL + Redis (see run.py)."""
