"""E-mail over SMTP (archive.mailer) against a real local SMTP server."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from archive.mailer import (
    Mail, MailError, MemoryMailer, NullMailer, SmtpMailer, SmtpSettings, mailer_from_settings)
from tests.smtp_fixture import smtp_server, smtp_server_factory  # noqa: F401  (fixtures)
from tests.smtp_server import free_port

SUBJECT = "Văn bản cần xử lý: Số đến 12"
BODY = ("Kính gửi đồng chí Trưởng phòng,\n\n"
        "Văn bản số 125/QĐ-UBND của Ủy ban nhân dân tỉnh Quảng Ngãi về việc đầu tư "
        "xây dựng cần xử lý trước ngày 23/02/2026.\n"
        "Đ đ Ơ ơ Ư ư ặ ỗ ữ ẫ ệ\n")


def content(part) -> str:
    """A text part's content; MIME text travels with CRLF line ends (RFC 2045)."""
    return part.get_content().replace("\r\n", "\n")


def settings_for(server, **changes) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, timeout=5.0, **changes)


def mail(*to: str, subject: str = SUBJECT, text: str = BODY, html: str | None = None) -> Mail:
    return Mail(to=to or ("truongphong.vh@so-vhttdl.gov.vn",), subject=subject,
                text=text, html=html)


# -- content ---------------------------------------------------------------------

def test_vietnamese_subject_and_body_arrive_intact(smtp_server):
    settings = settings_for(smtp_server, sender="Văn thư Sở VHTTDL <vanthu@so-vhttdl.gov.vn>")
    SmtpMailer(settings).send(mail())
    [got] = smtp_server.wait_for(1)
    msg = got.message
    assert msg["Subject"] == SUBJECT
    assert msg["From"].addresses[0].display_name == "Văn thư Sở VHTTDL"
    assert msg["From"].addresses[0].addr_spec == "vanthu@so-vhttdl.gov.vn"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert content(msg) == BODY
    assert got.mail_from == "vanthu@so-vhttdl.gov.vn"
    assert got.rcpt_tos == ("truongphong.vh@so-vhttdl.gov.vn",)
    # the server offers SMTPUTF8: headers travel as raw UTF-8, the body 7-bit encoded
    assert got.smtputf8
    assert SUBJECT.encode() in got.raw
    assert msg["Content-Transfer-Encoding"] in ("base64", "quoted-printable")


def test_without_smtputf8_headers_are_encoded_words(smtp_server_factory):
    server = smtp_server_factory(smtputf8=False)
    settings = settings_for(server, sender="Văn thư Sở VHTTDL <vanthu@so-vhttdl.gov.vn>")
    SmtpMailer(settings).send(mail("Nguyễn Văn An <an@so-vhttdl.gov.vn>"))
    [got] = server.wait_for(1)
    assert not got.smtputf8
    assert got.raw.isascii()                        # nothing 8-bit on the wire
    assert b"=?utf-8?" in got.raw
    assert got.message["Subject"] == SUBJECT        # decoded back
    assert got.message["From"].addresses[0].display_name == "Văn thư Sở VHTTDL"
    assert got.message["To"].addresses[0].display_name == "Nguyễn Văn An"
    assert content(got.message) == BODY


def test_non_ascii_address_needs_smtputf8(smtp_server_factory):
    plain = smtp_server_factory(smtputf8=False)
    with pytest.raises(MailError, match="does not support SMTPUTF8"):
        SmtpMailer(settings_for(plain)).send(mail("nguyễn@so-vhttdl.gov.vn"))
    assert plain.messages == []
    utf8 = smtp_server_factory()
    SmtpMailer(settings_for(utf8)).send(mail("nguyễn@so-vhttdl.gov.vn"))
    assert utf8.wait_for(1)[0].rcpt_tos == ("nguyễn@so-vhttdl.gov.vn",)


def test_date_and_message_id_headers(smtp_server):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    mailer = SmtpMailer(settings_for(smtp_server, sender="eoffice@so-vhttdl.gov.vn"))
    mailer.send(mail())
    mailer.send(mail())
    first, second = smtp_server.wait_for(2)
    sent = parsedate_to_datetime(first.message["Date"])
    assert sent.tzinfo is not None
    assert before - timedelta(seconds=1) <= sent <= datetime.now(timezone.utc)
    ids = [r.message["Message-ID"] for r in (first, second)]
    for mid in ids:
        assert mid.startswith("<") and mid.endswith("@so-vhttdl.gov.vn>")
    assert ids[0] != ids[1]


def test_several_recipients_with_display_names(smtp_server):
    to = ("Nguyễn Văn An <an@so-vhttdl.gov.vn>", "binh@so-vhttdl.gov.vn",
          '"Sở VHTTDL, Phòng Văn hóa" <cuc@ubnd.gov.vn>')
    SmtpMailer(settings_for(smtp_server)).send(mail(*to))
    [got] = smtp_server.wait_for(1)
    assert got.rcpt_tos == ("an@so-vhttdl.gov.vn", "binh@so-vhttdl.gov.vn", "cuc@ubnd.gov.vn")
    names = [(a.display_name, a.addr_spec) for a in got.message["To"].addresses]
    assert names == [("Nguyễn Văn An", "an@so-vhttdl.gov.vn"), ("", "binh@so-vhttdl.gov.vn"),
                     ("Sở VHTTDL, Phòng Văn hóa", "cuc@ubnd.gov.vn")]


def test_html_alternative(smtp_server):
    html = "<p>Văn bản <b>Số đến 12</b> cần xử lý</p>"
    SmtpMailer(settings_for(smtp_server)).send(mail(html=html))
    [got] = smtp_server.wait_for(1)
    assert got.message.get_content_type() == "multipart/alternative"
    assert content(got.message.get_body(("plain",))) == BODY
    assert content(got.message.get_body(("html",))).strip() == html


LONG = ("Quyết định về việc phê duyệt dự án đầu tư xây dựng công trình trường học "
        "của Ủy ban nhân dân tỉnh Quảng Ngãi ") * 20


@pytest.mark.parametrize("smtputf8", [True, False], ids=["smtputf8", "encoded-words"])
def test_long_vietnamese_subjects_keep_every_space(smtp_server_factory, smtputf8):
    """Raw UTF-8 headers are not folded (the stdlib folds some right after the
    colon) and go as encoded words past 998 octets; encoded words come from the
    legacy Header class (the stdlib's folder drops spaces between words)."""
    server = smtp_server_factory(smtputf8=smtputf8)
    mailer = SmtpMailer(settings_for(server))
    subjects = [LONG[start:start + length].strip()
                for length in (60, 75, 90, 200, 600, 900) for start in (0, 7, 30)]
    subjects.append(("An ASCII subject " * 20).strip())
    for subject in subjects:
        mailer.send(mail(subject=subject))
    received = server.wait_for(len(subjects))
    for subject, got in zip(subjects, received):
        assert got.message["Subject"] == subject
        assert max(len(line) for line in got.raw.split(b"\r\n")) <= 998
        raw_utf8 = smtputf8 and len(subject.encode()) < 980
        assert (subject.encode() in got.raw) == raw_utf8


def test_long_lines_and_leading_dots_survive(smtp_server):
    text = ".dòng bắt đầu bằng dấu chấm\n" + "ắ" * 2000 + "\n.\n"
    SmtpMailer(settings_for(smtp_server)).send(mail(text=text))
    [got] = smtp_server.wait_for(1)
    assert content(got.message) == text
    assert max(len(line) for line in got.raw.split(b"\r\n")) <= 998


# -- authentication --------------------------------------------------------------

def test_auth_success(smtp_server_factory):
    server = smtp_server_factory(auth=("vanthu", "mật-khẩu"))
    SmtpMailer(settings_for(server, username="vanthu", password="mật-khẩu")).send(mail())
    [got] = server.wait_for(1)
    assert got.login == "vanthu"
    assert got.message["Subject"] == SUBJECT


@pytest.mark.parametrize("wrong", ["wrong", "sai-mật-khẩu"])   # smtplib.login / UTF-8 PLAIN
def test_auth_failure(smtp_server_factory, wrong):
    server = smtp_server_factory(auth=("vanthu", "right"))
    settings = settings_for(server, username="vanthu", password=wrong)
    with pytest.raises(MailError) as info:
        SmtpMailer(settings).send(mail())
    message = str(info.value)
    assert f"{server.host}:{server.port}" in message
    assert "refused the login of user 'vanthu'" in message and "535" in message
    assert wrong not in message                                    # no password in errors
    assert server.messages == []


def test_server_requiring_auth_without_credentials(smtp_server_factory):
    server = smtp_server_factory(auth=("vanthu", "right"))
    with pytest.raises(MailError, match=r"refused the sender .*530"):
        SmtpMailer(settings_for(server)).send(mail())


def test_login_when_the_server_offers_no_auth(smtp_server):
    with pytest.raises(MailError, match="does not support"):
        SmtpMailer(settings_for(smtp_server, username="u", password="p")).send(mail())


# -- refusals and network failures -----------------------------------------------

def test_every_recipient_refused(smtp_server_factory):
    server = smtp_server_factory(refuse={"nobody@so-vhttdl.gov.vn"})
    with pytest.raises(MailError) as info:
        SmtpMailer(settings_for(server)).send(mail("nobody@so-vhttdl.gov.vn"))
    assert "refused every recipient" in str(info.value)
    assert "nobody@so-vhttdl.gov.vn (550" in str(info.value)
    assert info.value.refused["nobody@so-vhttdl.gov.vn"][0] == 550
    assert server.messages == []


def test_some_recipients_refused(smtp_server_factory):
    server = smtp_server_factory(refuse={"nobody@so-vhttdl.gov.vn"})
    with pytest.raises(MailError) as info:
        SmtpMailer(settings_for(server)).send(
            mail("an@so-vhttdl.gov.vn", "nobody@so-vhttdl.gov.vn"))
    assert "accepted for the others" in str(info.value)
    assert list(info.value.refused) == ["nobody@so-vhttdl.gov.vn"]
    [got] = server.wait_for(1)
    assert got.rcpt_tos == ("an@so-vhttdl.gov.vn",)


def test_connection_refused_fails_quickly():
    port = free_port()                                   # nobody listens there
    settings = SmtpSettings(host="127.0.0.1", port=port, timeout=10.0)
    start = time.monotonic()
    with pytest.raises(MailError) as info:
        SmtpMailer(settings).send(mail())
    assert time.monotonic() - start < 2.0
    assert str(info.value) == f"cannot connect to SMTP server 127.0.0.1:{port}: connection refused"
    assert isinstance(info.value.__cause__, ConnectionRefusedError)


def test_silent_server_times_out():
    with socket.socket() as listener:                    # accepts TCP, never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(MailError) as info:
            SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, timeout=0.5)).send(mail())
        assert time.monotonic() - start < 3.0
    assert str(info.value) == f"SMTP server 127.0.0.1:{port} did not answer within 0.5 s"


def test_unknown_host():
    settings = SmtpSettings(host="smtp.does-not-exist.invalid", port=25, timeout=2.0)
    with pytest.raises(MailError, match=r"cannot resolve SMTP host .*:25"):
        SmtpMailer(settings).send(mail())


# -- TLS -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (it is also its own CA file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_starttls_with_the_agency_ca_and_auth(smtp_server_factory, certificate):
    server = smtp_server_factory(tls=certificate, auth=("vanthu", "secret"))
    settings = settings_for(server, starttls=True, cafile=certificate[0],
                            username="vanthu", password="secret")
    SmtpMailer(settings).send(mail())
    [got] = server.wait_for(1)
    assert got.message["Subject"] == SUBJECT and got.login == "vanthu"


def test_starttls_with_an_untrusted_certificate(smtp_server_factory, certificate):
    server = smtp_server_factory(tls=certificate)
    with pytest.raises(MailError, match=r"TLS with SMTP server 127\.0\.0\.1:\d+ failed: "
                                        r".*CERTIFICATE_VERIFY_FAILED"):
        SmtpMailer(settings_for(server, starttls=True)).send(mail())
    assert server.messages == []


def test_starttls_not_offered(smtp_server):
    with pytest.raises(MailError, match="does not support"):
        SmtpMailer(settings_for(smtp_server, starttls=True)).send(mail())


def test_implicit_tls(smtp_server_factory, certificate):
    server = smtp_server_factory(tls=certificate, implicit_tls=True)
    SmtpMailer(settings_for(server, use_ssl=True, cafile=certificate[0])).send(mail())
    assert content(server.wait_for(1)[0].message) == BODY


# -- other mailers and validation ------------------------------------------------

def test_null_mailer_does_nothing(smtp_server):
    mailer = mailer_from_settings(None)
    assert isinstance(mailer, NullMailer)
    assert mailer.send(mail()) is None
    assert not vars(mailer)                              # keeps nothing
    time.sleep(0.1)
    assert smtp_server.messages == []


def test_mailer_from_settings_builds_an_smtp_mailer(smtp_server):
    mailer = mailer_from_settings(settings_for(smtp_server))
    assert isinstance(mailer, SmtpMailer)
    mailer.send(mail())
    assert smtp_server.wait_for(1)[0].message["Subject"] == SUBJECT


def test_memory_mailer_keeps_the_mails():
    mailer, m = MemoryMailer(), mail()
    mailer.send(m)
    assert mailer.sent == [m]


def test_settings_validation_and_repr():
    with pytest.raises(ValueError, match="exclude each other"):
        SmtpSettings(host="smtp", starttls=True, use_ssl=True)
    with pytest.raises(ValueError, match="host is empty"):
        SmtpSettings(host="")
    with pytest.raises(ValueError, match="port"):
        SmtpSettings(host="smtp", port=0)
    with pytest.raises(ValueError, match="timeout"):
        SmtpSettings(host="smtp", timeout=0)
    with pytest.raises(ValueError, match="quote a display name"):
        SmtpSettings(host="smtp", sender="Sở VHTTDL, Văn thư <vt@so-vhttdl.gov.vn>")
    SmtpSettings(host="smtp", sender='"Sở VHTTDL, Văn thư" <vt@so-vhttdl.gov.vn>')
    assert "secret" not in repr(SmtpSettings(host="smtp", username="u", password="secret"))


def test_mail_validation():
    with pytest.raises(ValueError, match="at least one recipient"):
        Mail(to=(), subject="s", text="")
    with pytest.raises(TypeError, match="not a string"):
        Mail(to="a@b.vn", subject="s", text="")            # type: ignore[arg-type]
    assert Mail(to=["a@b.vn"], subject="s", text="").to == ("a@b.vn",)  # type: ignore[arg-type]


def test_multi_line_subject_becomes_one_line(smtp_server):
    m = mail(subject="Văn bản cần xử lý: Quyết định về việc\r\n  đầu tư xây dựng\n\n"
                     "Bcc: x@evil.example")
    assert m.subject == "Văn bản cần xử lý: Quyết định về việc đầu tư xây dựng Bcc: x@evil.example"
    SmtpMailer(settings_for(smtp_server)).send(m)
    [got] = smtp_server.wait_for(1)
    assert got.message["Subject"] == m.subject
    assert got.message["Bcc"] is None and got.rcpt_tos == ("truongphong.vh@so-vhttdl.gov.vn",)


@pytest.mark.parametrize("bad", ["vanthu", "", None, "a@b.vn\nBcc: x@evil.example", "@b.vn",
                                 "a@", "a@b@c.vn", "x y@b.vn", "Nguyễn Văn An <>",
                                 "Sở VHTTDL, Phòng Văn hóa <vh@so-vhttdl.gov.vn>"])
def test_invalid_recipient_is_a_mail_error_and_nothing_is_sent(smtp_server, bad):
    """Addresses come from stored data: a bad one is a MailError, like a refusal."""
    with pytest.raises(MailError, match=r"not sending through 127\.0\.0\.1:\d+: invalid "
                                        r"recipient address"):
        SmtpMailer(settings_for(smtp_server)).send(mail("an@so-vhttdl.gov.vn", bad))
    time.sleep(0.05)
    assert smtp_server.messages == []
