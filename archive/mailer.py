"""E-mail notifications over SMTP (plain Python, no Flask).

``SmtpMailer.send`` opens one connection per message (notifications are few
and a long-lived connection would go stale between them), optionally with
implicit TLS (``use_ssl``, port 465) or STARTTLS (``starttls``, port 587),
logs in when a username is set, and sends a MIME message:

* UTF-8 everywhere: Vietnamese subjects, display names and bodies. When the
  server announces SMTPUTF8 (RFC 6531) the headers go as raw UTF-8
  (``email.policy.SMTPUTF8``); otherwise they are RFC 2047 encoded words.
  Bodies are always 7-bit clean (quoted-printable or base64, whichever is
  shorter), so they pass any relay.
* ``Date`` (UTC) and ``Message-ID`` (on the sender's domain) headers.
* ``text`` alone is a ``text/plain`` message; with ``html`` it is
  ``multipart/alternative``.

Every failure (DNS, connection refused, timeout, TLS, authentication, a
refused sender or recipient, a refused message) raises ``MailError`` whose
message names ``host:port`` and the cause in English. When the server refuses
only some recipients the message has still gone to the others: the error says
so and lists the refused addresses in ``MailError.refused``; retrying would
send it again to those who got it.
"""
from __future__ import annotations

import base64
import email.policy
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.errors import MessageError, NonASCIILocalPartDefect
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

__all__ = ["SmtpSettings", "Mail", "MailError", "Mailer", "SmtpMailer", "NullMailer",
           "MemoryMailer", "mailer_from_settings"]

log = logging.getLogger(__name__)

# CRLF line ends. Bodies are encoded to 7 bits when set (cte_type="7bit"); the
# headers are serialized as encoded words (_ASCII) or raw UTF-8 (_UTF8). Raw
# UTF-8 headers are not folded: the stdlib often folds a 70-80 character
# Vietnamese subject right after its colon ("Subject:\r\n Văn bản…"), which
# parsers then read with a leading space. A message whose raw UTF-8 header
# lines would pass the hard limit of 998 octets (RFC 5322 2.1.1) goes with
# encoded words instead, which are valid with SMTPUTF8 too.
_ASCII = email.policy.SMTP.clone(cte_type="7bit")
_UTF8 = email.policy.SMTPUTF8.clone(cte_type="7bit", max_line_length=None)
MAX_LINE = 998


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    use_ssl: bool = False
    sender: str = "eoffice@localhost"
    """The From header: ``addr@domain`` or ``Display name <addr@domain>``."""
    timeout: float = 10.0
    """Seconds for connecting and for each reply of the server."""
    cafile: str | None = None
    """PEM file of the certificate authorities to trust for TLS (an agency's own
    CA on a closed network); None trusts the system's CAs."""

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SMTP host is empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port out of range: {self.port}")
        if self.starttls and self.use_ssl:
            raise ValueError("starttls and use_ssl exclude each other "
                             "(use_ssl: TLS from the start, port 465; starttls: port 587)")
        if self.timeout <= 0:
            raise ValueError(f"SMTP timeout must be > 0, not {self.timeout}")
        if _mailbox(self.sender) is None:
            raise ValueError(f"sender is not one e-mail address: {self.sender!r} "
                             f"(quote a display name holding a comma)")

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    """Addresses, ``addr@domain`` or ``Display name <addr@domain>``. They are
    checked by ``send``, which raises ``MailError`` for a bad one (an address
    comes from stored data: it is a failure to send, not a programming error)."""
    subject: str
    """One line: line breaks (a multi-line trích yếu) become single spaces."""
    text: str
    html: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.to, str):
            raise TypeError("Mail.to is a tuple of addresses, not a string")
        object.__setattr__(self, "to", tuple(self.to))
        if not self.to:
            raise ValueError("a mail needs at least one recipient")
        object.__setattr__(self, "subject", _one_line(self.subject))


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _mailbox(value: object) -> Address | None:
    """``value`` as one mailbox, or None when it is not a usable address (a
    display name holding a comma must be quoted: ``"Sở VHTTDL, Phòng X" <a@b>``)."""
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        return None
    name, addr = parseaddr(value)
    local, at, domain = addr.rpartition("@")
    if not (at and local and domain) or " " in addr:
        return None
    try:
        return Address(display_name=name, addr_spec=addr)
    except NonASCIILocalPartDefect:          # fine with SMTPUTF8 (checked when sending)
        return Address(display_name=name, username=local, domain=domain)
    except (ValueError, IndexError, MessageError):
        return None


class MailError(Exception):
    """Sending failed; the message names host:port and the cause."""

    def __init__(self, message: str, *, refused: dict[str, tuple[int, str]] | None = None):
        super().__init__(message)
        self.refused: dict[str, tuple[int, str]] = dict(refused or {})
        """Recipients the server refused, with its code and reply."""


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


class SmtpMailer:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def __repr__(self) -> str:
        return f"SmtpMailer({self.settings.where})"

    # -- message --------------------------------------------------------------

    def build(self, mail: Mail, *, smtputf8: bool = False, message_id: str | None = None,
              date: datetime | None = None) -> EmailMessage:
        """The MIME message of ``mail``, to be serialized with the SMTPUTF8
        policy (``smtputf8=True``) or the plain SMTP one (encoded words)."""
        s = self.settings
        msg = EmailMessage(policy=_ASCII)
        msg["From"] = _mailbox(s.sender)
        msg["To"] = [_mailbox(a) for a in mail.to]
        if smtputf8 or mail.subject.isascii():
            msg["Subject"] = mail.subject
        else:
            # The stdlib's own RFC 2047 folding loses spaces in long Vietnamese
            # subjects (a space between two encoded words is dropped by readers):
            # the legacy Header class encodes them right; set_raw keeps its folding.
            encoded = Header(mail.subject, "utf-8", header_name="Subject").encode(linesep="\n")
            msg.set_raw("Subject", encoded)
        msg["Date"] = format_datetime(date or datetime.now(timezone.utc))
        domain = parseaddr(s.sender)[1].rpartition("@")[2] or "localhost"
        msg["Message-ID"] = message_id or make_msgid(domain=domain)
        msg.set_content(mail.text)
        if mail.html is not None:
            msg.add_alternative(mail.html, subtype="html")
        return msg

    def message_bytes(self, mail: Mail, *, smtputf8: bool) -> tuple[str, bytes]:
        """(Message-ID, the message as sent): raw UTF-8 headers when the server
        takes SMTPUTF8 and no header line passes 998 octets, else encoded words."""
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or "localhost"
        message_id, date = make_msgid(domain=domain), datetime.now(timezone.utc)
        if smtputf8:
            data = self.build(mail, smtputf8=True, message_id=message_id,
                              date=date).as_bytes(policy=_UTF8)
            if max(map(len, data.split(b"\r\n"))) <= MAX_LINE:
                return message_id, data
        return message_id, self.build(mail, message_id=message_id,
                                      date=date).as_bytes(policy=_ASCII)

    # -- sending --------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                    context=self._tls_context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)

    def _login(self, smtp: smtplib.SMTP) -> None:
        user, password = self.settings.username or "", self.settings.password or ""
        if user.isascii() and password.isascii():
            smtp.login(user, password)          # negotiates CRAM-MD5, PLAIN or LOGIN
            return
        # smtplib encodes credentials as ASCII; AUTH PLAIN is UTF-8 (RFC 4616)
        if not smtp.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
        if "PLAIN" not in smtp.esmtp_features["auth"].upper().split():
            raise smtplib.SMTPNotSupportedError(
                "non-ASCII credentials need AUTH PLAIN, which the server does not offer")
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        code, reply = smtp.docmd("AUTH", "PLAIN " + token)
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, mail: Mail) -> None:
        s = self.settings
        where = s.where
        checked = [_mailbox(a) for a in mail.to]
        bad = [a for a, r in zip(mail.to, checked) if r is None]
        recipients = [r.addr_spec for r in checked if r is not None]
        if bad:
            raise MailError(f"not sending through {where}: invalid recipient address(es) "
                            + ", ".join(repr(a) for a in bad))
        sender = parseaddr(s.sender)[1]
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if s.username:
                    self._login(smtp)
                utf8 = smtp.has_extn("smtputf8")
                if not utf8 and not all(a.isascii() for a in [sender, *recipients]):
                    raise MailError(f"SMTP server {where} does not support SMTPUTF8, "
                                    f"needed for a non-ASCII address")
                options: list[str] = []
                if utf8:
                    options.append("SMTPUTF8")
                    if smtp.has_extn("8bitmime"):
                        options.append("BODY=8BITMIME")
                message_id, data = self.message_bytes(mail, smtputf8=utf8)
                refused = smtp.sendmail(sender, recipients, data, mail_options=options)
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"SMTP server {where} refused the login of user "
                            f"{s.username!r}: {_reply(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = {a: (c, _reply(c, t)) for a, (c, t) in exc.recipients.items()}
            raise MailError(f"SMTP server {where} refused every recipient: "
                            + "; ".join(f"{a} ({r})" for a, (_, r) in refused.items()),
                            refused=refused) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(f"SMTP server {where} refused the sender {exc.sender!r}: "
                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPDataError as exc:
            raise MailError(f"SMTP server {where} refused the message: "
                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"SMTP server {where} does not support a feature the "
                            f"settings require: {exc}") from exc
        except smtplib.SMTPServerDisconnected as exc:
            if isinstance(exc.__context__, TimeoutError):    # smtplib wraps read timeouts
                raise MailError(f"SMTP server {where} did not answer within "
                                f"{s.timeout:g} s") from exc
            raise MailError(f"SMTP server {where} closed the connection: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"SMTP server {where} answered "
                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPException as exc:
            raise MailError(f"SMTP error with {where}: {exc}") from exc
        except (TimeoutError, socket.timeout) as exc:
            raise MailError(f"SMTP server {where} did not answer within "
                            f"{s.timeout:g} s") from exc
        except ssl.SSLError as exc:
            raise MailError(f"TLS with SMTP server {where} failed: {exc}") from exc
        except socket.gaierror as exc:
            raise MailError(f"cannot resolve SMTP host {s.host!r} ({where}): "
                            f"{exc.strerror or exc}") from exc
        except ConnectionRefusedError as exc:
            raise MailError(f"cannot connect to SMTP server {where}: "
                            f"connection refused") from exc
        except OSError as exc:
            raise MailError(f"cannot talk to SMTP server {where}: "
                            f"{exc.strerror or exc}") from exc
        except (ValueError, MessageError) as exc:           # the email package
            raise MailError(f"cannot encode the message for SMTP server {where}: "
                            f"{exc}") from exc
        if refused:
            details = {a: (c, _reply(c, t)) for a, (c, t) in refused.items()}
            raise MailError(f"SMTP server {where} refused some recipients: "
                            + "; ".join(f"{a} ({r})" for a, (_, r) in details.items())
                            + "; the message was accepted for the others",
                            refused=details)
        log.info("mail %s sent through %s to %d recipient(s)",
                 message_id, where, len(recipients))


class NullMailer:
    """Sends nothing and keeps nothing: SMTP is not configured."""

    def send(self, mail: Mail) -> None:
        log.debug("SMTP not configured: mail %r to %d recipient(s) not sent",
                  mail.subject, len(mail.to))


class MemoryMailer:
    """Keeps the mails in ``sent`` (in-process previews, not for testing SMTP)."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


def mailer_from_settings(settings: SmtpSettings | None) -> SmtpMailer | NullMailer:
    return NullMailer() if settings is None else SmtpMailer(settings)
