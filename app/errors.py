"""Domain errors → HTTP, in one place: an HTML page or the API's JSON envelope."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.security import current_language
from archive import errors as E

STATUS = [
    (E.AccountLocked, 401), (E.AuthenticationFailed, 401), (E.NotFound, 404),
    (E.PermissionDenied, 403), (E.DuplicateSuspected, 409), (E.Conflict, 409),
    (E.FileTooLarge, 413), (E.UnsupportedFile, 415), (E.FileRejected, 422),
    (E.InvalidInput, 422), (E.SigningRefused, 422), (E.ArchiveError, 400),
]

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ.", "Malformed request."),
    401: ("unauthorized", "Chưa đăng nhập hoặc phiên đã hết hạn.", "Not logged in or expired."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này.", "Not allowed."),
    404: ("not_found", "Không tìm thấy.", "Not found."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ.", "Method not allowed."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn.", "Request too large."),
    429: ("too_many_requests", "Quá nhiều yêu cầu.", "Too many requests."),
    500: ("server_error", "Lỗi hệ thống; thao tác chưa được thực hiện.",
          "Server error; nothing was changed."),
}


def status_for(exc: E.ArchiveError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def api_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return jsonify(body), status


def domain_error_response(exc: E.ArchiveError):
    lang = current_language()
    status = status_for(exc)
    fields = {k: v.text(lang) for k, v in exc.fields.items()}
    if request.path.startswith("/api/"):
        return api_error(status, exc.code, exc.message.text(lang), fields, **exc.extra)
    return render_template("error.html", status=status, message=exc.message.text(lang)), status


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(E.ArchiveError, domain_error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code, vi, en = HTTP_MESSAGES.get(exc.code, ("error", exc.name, exc.name))
        if exc.code == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            vi = "Biểu mẫu đã hết hạn hoặc không hợp lệ; hãy tải lại trang và thử lại."
            en = "The form expired or is invalid; reload the page and try again."
            code = "csrf"
        msg = en if current_language() == "en" else vi
        if request.path.startswith("/api/"):
            return api_error(exc.code or 500, code, msg)
        return render_template("error.html", status=exc.code, message=msg), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        from app.extensions import db
        db.session.rollback()
        code, vi, en = HTTP_MESSAGES[500]
        msg = en if current_language() == "en" else vi
        if request.path.startswith("/api/"):
            return api_error(500, code, msg)
        return render_template("error.html", status=500, message=msg), 500
