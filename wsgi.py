"""WSGI entry point: ``flask --app wsgi run`` or ``gunicorn wsgi:app``.

On the embedded default (no REDIS_URL) the web process also runs the
routing clock (timers, reminders, e-mail) in a daemon thread, and, when
``flask demo`` made one, serves the demo PKI's TSA/OCSP/CRL on 127.0.0.1,
and runs text extraction / OCR in one background thread and the PDF/A
copies of archived PDFs in another.
"""
from app import create_app
from app.jobs import start_clock_thread, start_demo_pki, start_text_worker
from app.preservation.jobs import start_preservation_worker
from app.scanner.worker import start_scanner_thread

app = create_app()
start_clock_thread(app)
start_demo_pki(app)
start_text_worker(app)  # text extraction / OCR thread (embedded default only)
start_scanner_thread(app)  # scanner folders -> intake queue (embedded default only)
start_preservation_worker(app)  # PDF/A copies of archived PDFs (embedded default only)
