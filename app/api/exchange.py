"""The exchange inbox: where other eOffice installations deliver edXML packages.

``POST /api/v1/exchange/inbox`` is called by a peer's outbox
(``exchange.transport.HttpsTransport``), never by a person: it authenticates
with the inbound token the admin gave that peer (``Authorization: Bearer``)
and its organ id (``X-Organ-Id``), not with a staff token. The answer tells
the sender's outbox what to do next: 2xx delivered, 4xx stop retrying
(wrong token, package refused with its reason, too large), 5xx try again
later; so a failure of ours must be a 5xx with nothing stored.
"""
from __future__ import annotations

from flask import current_app, jsonify, request

from app import wiring
from app.api.views import bp
from app.errors import api_error
from app.extensions import db
from app.security import current_language
from archive.errors import PermissionDenied
from exchange.errors import ExchangeRefused
from workflows import exchange_in


def _bearer() -> str:
    """The token after ``Bearer``; "" when the header is missing or of another scheme."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _package(limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes.

    Checked on the declared length first, then while reading, so a chunked
    upload without a length cannot fill the memory either.
    """
    if request.content_length is not None and request.content_length > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _text(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


@bp.post("/exchange/inbox")
def exchange_inbox():
    """Take one package or status message from a declared peer; 202 when stored."""
    lang = current_language()
    limit = int(current_app.config["EXCHANGE_MAX_PACKAGE_MB"]) * 1024 * 1024
    payload = _package(limit)
    if payload is None:
        return api_error(413, "too_large", _text(
            lang, f"Gói tin vượt quá {limit // (1024 * 1024)} MB.",
            f"The package is larger than {limit // (1024 * 1024)} MB."))
    organ_id = request.headers.get("X-Organ-Id", "")
    try:
        result = exchange_in.receive_from_peer(db.session, wiring.storage(), payload,
                                               organ_id, _bearer())
    except PermissionDenied as denied:
        db.session.rollback()
        return api_error(403, "forbidden", denied.message.text(lang))
    except ExchangeRefused as refused:
        db.session.rollback()
        return api_error(400, refused.code, refused.reason.text(lang),
                         {k: v.text(lang) for k, v in refused.fields.items()},
                         reason=str(refused))
    except Exception:
        # Nothing half-stored: the transaction goes; the sender retries later.
        db.session.rollback()
        current_app.logger.exception("exchange inbox: package from %s not stored", organ_id)
        return api_error(500, "server_error", _text(
            lang, "Lỗi hệ thống; gói tin chưa được nhận, hãy gửi lại sau.",
            "Server error; the package was not stored, send it again later."))
    if isinstance(result, list):
        body = {"kind": "package", "received": len(result),
                "document_id": result[0].edxml_document_id if result else None}
    else:
        body = {"kind": "status", "code": result.code,
                "document_id": result.edxml_document_id}
    return jsonify(body), 202
