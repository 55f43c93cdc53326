"""A REST LGSP bus as seen in one provincial integration [S] (DOMAIN §6.1).

Sending is the documented variant: ``POST /v1/sendEdoc`` (multipart
``edocFile`` + ``messageType``) and ``POST /v1/updateStatus`` (JSON
``{docId, status}``), authenticated by ``X-SystemId`` and ``X-SecretKey``.
Receiving follows the poll-then-fetch-then-confirm shape every known SDK
shares (VNPT ``GetReceivedEdocList`` / ``GetEdoc``, BKAV
``GetPendingDocumentIds`` / ``GetDocument`` / ``ConfirmReceived``); the paths
of a given bus differ, so every path is an option. Verify them against the
bus's own guide before going live; nothing here is certified.
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid

from exchange import edxml
from exchange.axis import Incoming, message_type
from exchange.transport import DEFAULT_TIMEOUT, call, tls_context

DEFAULT_PATHS = {
    "send": "/v1/sendEdoc",
    "status": "/v1/updateStatus",
    "list": "/v1/getReceivedEdocList",
    "get": "/v1/getEdoc",
    "confirm": "/v1/confirmReceived",
}


class LgspRestAdapter:
    """``exchange.axis.AxisAdapter`` over a REST LGSP."""

    def __init__(self, base_url: str, system_id: str, secret_key: str,
                 timeout: float = DEFAULT_TIMEOUT, ca_file: str | None = None,
                 paths: dict | None = None):
        self.base_url = base_url.rstrip("/")
        self.headers = {"X-SystemId": system_id, "X-SecretKey": secret_key}
        self.timeout = timeout
        self.paths = {**DEFAULT_PATHS, **(paths or {})}
        self.context = tls_context(ca_file)

    # --- sending ----------------------------------------------------------------

    def deliver(self, peer_organ_id: str, payload: bytes) -> None:
        kind = message_type(payload)
        if kind == "status":
            status = edxml.parse_status(payload)
            self._call("status", json.dumps({
                "docId": status.response_for.document_id, "status": status.status_code,
                "description": status.description, "from": status.from_organ.organ_id,
                "to": peer_organ_id}).encode(), "application/json")
            return
        body, content_type = _multipart({"messageType": kind, "to": peer_organ_id},
                                        "edocFile", "edoc.edxml", payload)
        self._call("send", body, content_type)

    # --- receiving --------------------------------------------------------------

    def poll(self, limit: int = 50) -> list[Incoming]:
        listing = json.loads(self._call("list", method="GET") or b"{}")
        items = listing.get("data", listing) if isinstance(listing, dict) else listing
        found = []
        for item in list(items or [])[:limit]:
            doc_id = str(item.get("docId", ""))
            query = urllib.parse.urlencode({"docId": doc_id})
            found.append(Incoming(message_id=doc_id, sender_organ_id=str(item.get("from", "")),
                                  payload=self._call("get", method="GET", query=query),
                                  message_type=str(item.get("messageType", ""))))
        return found

    def confirm(self, incoming: Incoming) -> None:
        self._call("confirm", json.dumps({"docId": incoming.message_id}).encode(),
                   "application/json")

    # --- HTTP -------------------------------------------------------------------

    def _call(self, path: str, body: bytes | None = None, content_type: str = "",
              method: str = "POST", query: str = "") -> bytes:
        url = self.base_url + self.paths[path] + (f"?{query}" if query else "")
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        return call(request, self.timeout, self.context, f"LGSP {path}")


def _multipart(fields: dict[str, str], file_field: str, filename: str,
               data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body: the text fields, then the file."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append((f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                  f'filename="{filename}"\r\nContent-Type: application/xml\r\n\r\n').encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
