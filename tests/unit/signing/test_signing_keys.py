"""Key sources: PKCS#12 with a PIN, PKCS#11 on SoftHSM2, and the external signer."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from signing import fields, keys, pades, softhsm
from signing.model import FIELD_LEADER, Appearance, SigningError, WrongPin
from signing.validation import ades_lta_offline, validate_pdf
from tests.unit.signing import sample


@pytest.fixture(scope="module")
def prepared(signing_env) -> bytes:
    return fields.prepare_fields(sample.vietnamese_pdf(), sample.layout())


# --- PKCS#12 -------------------------------------------------------------------

def test_pkcs12_wrong_pin(signing_env):
    with pytest.raises(WrongPin) as err:
        keys.pkcs12_signer(signing_env.pki.p12("leader"), "000000")
    assert err.value.vi == "Mã PIN không đúng." and err.value.code == "wrong_pin"


def test_pkcs12_damaged_file_is_not_a_pin_problem(signing_env):
    with pytest.raises(SigningError) as err:
        keys.pkcs12_signer(b"not a pkcs12 file", signing_env.pin)
    assert not isinstance(err.value, WrongPin)


def test_make_pkcs12_round_trip(signing_env):
    pki = signing_env.pki
    p12 = keys.make_pkcs12(signing_env.key_pem("clerk"), pki.cert_pem("clerk"), pki.chain_der(), "pin-moi")
    signer = keys.pkcs12_signer(p12, "pin-moi")
    assert signer.signing_cert.subject.native["common_name"] == "Phạm Thị Bình"
    assert len(list(signer.cert_registry)) == 2


# --- PKCS#11 -------------------------------------------------------------------

def test_pkcs11_wrong_pin(signing_env):
    with pytest.raises(WrongPin):
        with keys.pkcs11_session(softhsm.module_path(), signing_env.hsm_token, "999999"):
            pass


def test_pkcs11_unknown_token_and_key(signing_env):
    with pytest.raises(SigningError) as err:
        with keys.pkcs11_session(softhsm.module_path(), "khong-co-token", signing_env.pin):
            pass
    assert "khong-co-token" in err.value.vi
    with keys.pkcs11_session(softhsm.module_path(), signing_env.hsm_token, signing_env.pin) as session:
        with pytest.raises(SigningError):
            keys.pkcs11_signer(session, "khong-co-khoa", "khong-co-khoa")


# --- external signer (the key never reaches the server) -------------------------

def _client_signs(tmp_path, key_pem: bytes, data: bytes) -> bytes:
    """The 'browser': another process holding the key signs data_to_sign only."""
    key_file = tmp_path / "client-key.pem"
    key_file.write_bytes(key_pem)
    key_file.chmod(0o600)
    result = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key_file)], input=data,
                            capture_output=True, check=True, timeout=30)
    return result.stdout


def test_external_signature_made_in_another_process(signing_env, prepared, tmp_path):
    env, tsa = signing_env, pades.timestamper(signing_env.tsa_url)
    prep = keys.prepare_external(prepared, env.pki.cert_der("leader"), [env.pki.cert_der("interm")],
                                 FIELD_LEADER, Appearance(lines=("Ký bởi: Nguyễn Văn An",)), "B-T", tsa,
                                 certify=True)
    state = json.dumps(prep.as_dict())                       # what the server keeps between requests
    assert prep.data_to_sign == prep.signed_attrs and len(prep.document_digest) == 32
    raw = _client_signs(tmp_path, env.key_pem("leader"), prep.data_to_sign)
    signed = keys.finish_external(keys.PreparedExternal.from_dict(json.loads(state)), raw, tsa)
    report = validate_pdf(signed, env.trust())[0]
    assert report.field == FIELD_LEADER and report.status == "valid", report.reasons_en
    assert report.certified and report.level == "B-T" and report.timestamp_valid


def test_external_signature_made_by_python_in_another_process(signing_env, prepared, tmp_path):
    """Same with cryptography in a child interpreter (as a token plugin would), B-B."""
    env = signing_env
    prep = keys.prepare_external(prepared, env.pki.cert_der("clerk"), [env.pki.cert_der("interm")],
                                 FIELD_LEADER, None, "B-B")
    key_file = tmp_path / "k.pem"
    key_file.write_bytes(env.key_pem("clerk"))
    code = ("import sys; from cryptography.hazmat.primitives import hashes, serialization; "
            "from cryptography.hazmat.primitives.asymmetric import padding; "
            "k = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), None); "
            "sys.stdout.buffer.write(k.sign(sys.stdin.buffer.read(), padding.PKCS1v15(), hashes.SHA256()))")
    raw = subprocess.run([sys.executable, "-c", code, str(key_file)], input=prep.data_to_sign,
                         capture_output=True, check=True, timeout=30).stdout
    signed = keys.finish_external(prep, raw)
    assert validate_pdf(signed, env.trust())[0].status == "valid"


def test_external_wrong_signature_is_refused_before_embedding(signing_env, prepared, tmp_path):
    env = signing_env
    prep = keys.prepare_external(prepared, env.pki.cert_der("leader"), [env.pki.cert_der("interm")],
                                 FIELD_LEADER, None, "B-B")
    wrong_key = _client_signs(tmp_path, env.key_pem("clerk"), prep.data_to_sign)
    for bad in (wrong_key, b"\x00" * 256, b""):
        with pytest.raises(SigningError) as err:
            keys.finish_external(prep, bad)
        assert err.value.vi.startswith("Chữ ký số từ trình duyệt không hợp lệ")


def test_external_long_term(signing_env, prepared, tmp_path):
    """B-LTA for an external signer: DSS and document timestamp added when finishing."""
    env, tsa = signing_env, pades.timestamper(signing_env.tsa_url)
    prep = keys.prepare_external(prepared, env.pki.cert_der("leader"), [env.pki.cert_der("interm")],
                                 FIELD_LEADER, None, "B-LTA", tsa, certify=True)
    raw = _client_signs(tmp_path, env.key_pem("leader"), prep.data_to_sign)
    signed = keys.finish_external(prep, raw, tsa, env.vc())
    reports = validate_pdf(signed, env.trust(fetching=False))
    assert [r.status for r in reports] == ["valid", "valid"] and reports[0].level == "B-LTA"
    assert ades_lta_offline(signed, env.trust(fetching=False)) == ["PASSED"]
