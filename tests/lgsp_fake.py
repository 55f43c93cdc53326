"""A fake provincial LGSP bus for tests: the edge of the outside world.

A real HTTP server on 127.0.0.1 speaking the REST variant of
``exchange/lgsp.py``: it checks ``X-SystemId`` / ``X-SecretKey``, keeps what
it was sent (``sent``: message type, recipient, edXML bytes; ``statuses``:
the JSON of each status update), holds messages for us (``offer``) until
they are confirmed, and can be switched ``down`` (503 to everything).
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SYSTEM_ID, SECRET = "EOFFICE-DEMO", "lgsp-secret"


class FakeLgsp:
    def __init__(self):
        self.sent: list[tuple[str, str, bytes]] = []
        self.statuses: list[dict] = []
        self.waiting: dict[str, dict] = {}
        self.confirmed: list[str] = []
        self.down = False
        bus = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                bus._handle(self, b"")

            def do_POST(self):
                bus._handle(self, self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def offer(self, doc_id: str, sender: str, payload: bytes, message_type: str = "edoc"):
        """A message the bus holds for the installation until it confirms it."""
        self.waiting[doc_id] = {"docId": doc_id, "from": sender, "messageType": message_type,
                                "payload": payload}

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes):
        url = urllib.parse.urlsplit(request.path)
        if self.down:
            return _answer(request, 503, b"maintenance")
        if (request.headers.get("X-SystemId"), request.headers.get("X-SecretKey")) != (
                SYSTEM_ID, SECRET):
            return _answer(request, 401, b"bad credentials")
        if url.path == "/v1/sendEdoc":
            form = _form(request.headers.get("Content-Type", ""), body)
            self.sent.append((form["messageType"], form["to"], form["edocFile"]))
            return _answer(request, 200, b'{"status": "OK"}')
        if url.path == "/v1/updateStatus":
            self.statuses.append(json.loads(body))
            return _answer(request, 200, b'{"status": "OK"}')
        if url.path == "/v1/getReceivedEdocList":
            listing = [{k: v for k, v in m.items() if k != "payload"}
                       for m in self.waiting.values()]
            return _answer(request, 200, json.dumps({"data": listing}).encode())
        if url.path == "/v1/getEdoc":
            doc_id = urllib.parse.parse_qs(url.query).get("docId", [""])[0]
            if doc_id not in self.waiting:
                return _answer(request, 404, b"no such document")
            return _answer(request, 200, self.waiting[doc_id]["payload"])
        if url.path == "/v1/confirmReceived":
            doc_id = json.loads(body)["docId"]
            self.waiting.pop(doc_id, None)
            self.confirmed.append(doc_id)
            return _answer(request, 200, b'{"status": "OK"}')
        return _answer(request, 404, b"no such path")


def _form(content_type: str, body: bytes) -> dict[str, bytes | str]:
    """Parse a multipart/form-data body with the standard library's MIME parser."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        fields[name] = data if part.get_filename() else data.decode()
    return fields


def _answer(request: BaseHTTPRequestHandler, code: int, body: bytes):
    request.send_response(code)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
