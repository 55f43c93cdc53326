"""WSGI entry point: ``flask --app wsgi run`` or ``gunicorn wsgi:app``.

On the embedded default (no REDIS_URL) the web process also runs the
routing clock (timers, reminders, e-mail) in a daemon thread.
"""
from app import create_app
from app.jobs import start_clock_thread

app = create_app()
start_clock_thread(app)
