"""SoftHSM2 tokens for tests and demos: a PKCS#11 token in a folder.

:func:`init_token` writes a ``softhsm2.conf`` whose token directory is inside
the given folder and initialises a token there; :func:`import_key` puts a
private key, its certificate and CA certificates on it (``softhsm2-util``
and ``pkcs11-tool`` subprocesses, each given ``SOFTHSM2_CONF`` explicitly).

IMPORTANT for in-process use (:func:`signing.keys.pkcs11_session`):
libsofthsm2 reads the ``SOFTHSM2_CONF`` environment variable once, at
``C_Initialize``, and python-pkcs11 loads (and initialises) a module only
once per process. So the process must have ``SOFTHSM2_CONF`` set to the conf
returned by :func:`init_token` BEFORE its first PKCS#11 call, and all tokens
a process uses must live in that one conf's token directory. The app does
this in config.py at start-up; the tests in their conftest at session start.
Setting it later has no effect, and there is no way to re-read it.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["MODULE_CANDIDATES", "module_path", "init_token", "import_key", "SoftHsmError"]

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so",
                     "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/local/lib/softhsm/libsofthsm2.so")
_PATH = "/usr/local/bin:/usr/bin:/bin"


class SoftHsmError(RuntimeError):
    """A softhsm2-util / pkcs11-tool call failed (the message has its output)."""


def module_path() -> str:
    """The installed libsofthsm2.so (Debian: package softhsm2)."""
    for candidate in MODULE_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise SoftHsmError("libsofthsm2.so not found; install softhsm2")


def _run(conf: Path, args: list[str], secret_hint: str = "") -> str:
    """Run a tool with only SOFTHSM2_CONF and PATH in its environment.

    A minimal environment keeps the tool from picking up another conf; PINs
    are passed as arguments (test/demo tokens only) and masked in errors.
    """
    tool = shutil.which(args[0], path=_PATH)
    if tool is None:
        raise SoftHsmError(f"{args[0]} not found; install softhsm2 and opensc")
    result = subprocess.run([tool, *args[1:]], env={"SOFTHSM2_CONF": str(conf), "PATH": _PATH},
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).replace(secret_hint, "***") if secret_hint else \
            result.stdout + result.stderr
        raise SoftHsmError(f"{args[0]} {args[1]} failed: {output.strip()}")
    return result.stdout


def init_token(directory: str | Path, label: str, so_pin: str, pin: str) -> Path:
    """Write ``directory/softhsm2.conf`` (tokens in ``directory/tokens``) and init a token.

    Returns the conf path; see the module docstring about SOFTHSM2_CONF.
    A second token may be initialised in the same directory.
    """
    directory = Path(directory).resolve()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="utf-8")
    _run(conf, ["softhsm2-util", "--init-token", "--free", "--label", label,
                "--so-pin", so_pin, "--pin", pin], secret_hint=pin)
    return conf


def import_key(conf: str | Path, label: str, key_pem: bytes, cert_der: bytes,
               chain_certs: Mapping[str, bytes], pin: str, key_id: str = "01", *,
               token_label: str) -> None:
    """Put a key (unencrypted PKCS#8 PEM) and its certificate under ``label``/``key_id``.

    ``chain_certs`` maps labels to DER CA certificates, stored as well so
    the signer can embed the chain (ids ``<key_id>01``, ``<key_id>02``, …).
    The key is written to a private temporary file only for the import.
    """
    conf = Path(conf)
    module = module_path()
    with tempfile.TemporaryDirectory(prefix="softhsm-import-") as tmp:
        key_file = Path(tmp) / "key.pem"
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        _run(conf, ["softhsm2-util", "--import", str(key_file), "--token", token_label, "--label", label,
                    "--id", key_id, "--pin", pin], secret_hint=pin)
        objects = [(label, key_id, cert_der)] + [
            (ca_label, f"{key_id}{i + 1:02x}", der) for i, (ca_label, der) in enumerate(chain_certs.items())]
        for obj_label, obj_id, der in objects:
            cert_file = Path(tmp) / f"{obj_id}.der"
            cert_file.write_bytes(der)
            _run(conf, ["pkcs11-tool", "--module", module, "--token-label", token_label, "--login",
                        "--pin", pin, "--write-object", str(cert_file), "--type", "cert",
                        "--id", obj_id, "--label", obj_label], secret_hint=pin)
