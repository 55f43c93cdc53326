"""The national axis (VDXP) or a provincial LGSP bus as a transport (DOMAIN §6.1).

A peer installation is pushed to (``HttpsTransport``) and pushes to us. A
bus is different: we hand it our messages, and we *poll* it for the ones
addressed to us, confirming each once it is stored. An adapter for a given
bus implements ``AxisAdapter``:

* ``deliver(peer_organ_id, payload)`` sends one edXML package or status
  message; it answers like every transport (returns = the bus has it,
  ``TransportError`` = try later, ``DeliveryRefused`` = never);
* ``poll(limit)`` returns the messages waiting for us (``Incoming``: the
  bus's id, the sending organ id, the edXML bytes);
* ``confirm(incoming)`` tells the bus we stored it (called after our commit,
  so a crash in between only makes the bus offer it again, which receiving
  ignores: it is idempotent).

Every bus names its messages by type: ``message_type`` derives it from the
package (``edoc`` new, ``revocation`` recall, ``update`` correction,
``replacement``; a status message is ``status``). The code list is data
tagged [B] in ``exchange/codes.py`` (BussinessDocType).

Operators choose the adapter with ``EOFFICE_EXCHANGE_AXIS_ADAPTER``
("module:callable", default the REST variant in ``exchange.lgsp``) and give
it ``EOFFICE_EXCHANGE_AXIS_URL``, ``…_SYSTEM_ID`` and ``…_SECRET``; agencies
reached through the bus are peers with transport "adapter".
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from exchange import edxml
from exchange.errors import ExchangeRefused

MESSAGE_TYPES = {"0": "edoc", "1": "revocation", "2": "update", "3": "replacement"}


@dataclass(frozen=True)
class Incoming:
    """A message the bus holds for us."""

    message_id: str
    sender_organ_id: str
    payload: bytes
    message_type: str = ""


class AxisAdapter(Protocol):
    def deliver(self, peer_organ_id: str, payload: bytes) -> None: ...

    def poll(self, limit: int = 50) -> list[Incoming]: ...

    def confirm(self, incoming: Incoming) -> None: ...


def message_type(payload: bytes) -> str:
    """The bus message type of an edXML payload we built (package or status)."""
    try:
        message = edxml.parse_package(payload)
    except ExchangeRefused as refused:
        if refused.field == "MessageHeader":
            return "status"
        raise
    return MESSAGE_TYPES.get(message.trace_header_list.bussiness.bussiness_doc_type, "edoc")


def load(spec: str, **options) -> AxisAdapter:
    """Build the adapter named "package.module:callable" with the operator's options."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ValueError(f"Adapter must be named 'module:callable', not {spec!r}")
    return getattr(importlib.import_module(module_name), name)(**options)
