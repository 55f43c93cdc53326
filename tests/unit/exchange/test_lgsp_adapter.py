"""The REST LGSP adapter against a fake bus over real HTTP (tests/lgsp_fake.py).

Each edXML message goes out as the bus's message type (edoc, revocation,
update, replacement; statuses as a status update), with the system's
credentials; what the bus holds for us is listed, fetched and confirmed;
the bus's answers map to the outbox's three outcomes.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from exchange import axis, edxml
from exchange.lgsp import LgspRestAdapter
from exchange.model import Bussiness, Organ, ReplacementInfo, ResponseFor, StatusMessage
from exchange.model import TraceHeaderList
from exchange.transport import DeliveryRefused, TransportError
from tests.lgsp_fake import SECRET, SYSTEM_ID, FakeLgsp
from tests.unit.exchange.test_exchange_roundtrip import minimal_message

PEER = "000.00.00.H38"


@pytest.fixture
def bus():
    fake = FakeLgsp()
    yield fake
    fake.close()


def adapter(bus, secret=SECRET) -> LgspRestAdapter:
    return LgspRestAdapter(bus.url, SYSTEM_ID, secret, timeout=5)


def package(doc_type: str) -> bytes:
    message = minimal_message()
    infos = (ReplacementInfo("000.00.00.H55,2026/01/02,01/UBND-VP", (PEER,)),) \
        if doc_type in ("2", "3") else ()
    return edxml.build_package(replace(message, trace_header_list=TraceHeaderList(
        bussiness=Bussiness(doc_type, "Lý do", replacement_info_list=infos))))


def status() -> bytes:
    return edxml.build_status(StatusMessage(
        response_for=ResponseFor(PEER, "05/UBND-VP", datetime(2026, 1, 5).date(),
                                 f"{PEER},2026/01/05,05/UBND-VP"),
        from_organ=Organ("000.00.00.H55"), status_code="03",
        timestamp=datetime(2026, 1, 6, 3, 0, tzinfo=UTC), description="Đã tiếp nhận"))


@pytest.mark.parametrize("doc_type, expected", [
    ("0", "edoc"), ("1", "revocation"), ("2", "update"), ("3", "replacement")])
def test_each_package_goes_out_as_its_message_type(bus, doc_type, expected):
    payload = package(doc_type)
    assert axis.message_type(payload) == expected
    adapter(bus).deliver(PEER, payload)
    assert bus.sent == [(expected, PEER, payload)]


def test_a_status_goes_out_as_a_status_update(bus):
    assert axis.message_type(status()) == "status"
    adapter(bus).deliver(PEER, status())
    assert bus.sent == [] and bus.statuses == [{
        "docId": f"{PEER},2026/01/05,05/UBND-VP", "status": "03",
        "description": "Đã tiếp nhận", "from": "000.00.00.H55", "to": PEER}]


def test_wrong_credentials_are_refused_for_good_and_a_bus_down_is_retried(bus):
    with pytest.raises(DeliveryRefused, match="401"):
        adapter(bus, secret="wrong").deliver(PEER, package("0"))
    bus.down = True
    with pytest.raises(TransportError, match="503"):
        adapter(bus).deliver(PEER, package("0"))
    with pytest.raises(TransportError, match="503"):
        adapter(bus).poll()
    assert bus.sent == []


def test_what_the_bus_holds_is_listed_fetched_and_confirmed(bus):
    bus.offer("m-1", PEER, package("0"))
    bus.offer("m-2", PEER, status(), "status")
    lgsp = adapter(bus)
    found = lgsp.poll()
    assert [(m.message_id, m.sender_organ_id, m.payload, m.message_type) for m in found] == [
        ("m-1", PEER, package("0"), "edoc"), ("m-2", PEER, status(), "status")]
    lgsp.confirm(found[0])
    assert bus.confirmed == ["m-1"] and [m.message_id for m in lgsp.poll()] == ["m-2"]


def test_an_adapter_is_loaded_by_name():
    loaded = axis.load("exchange.lgsp:LgspRestAdapter", base_url="http://127.0.0.1:9/",
                       system_id="S", secret_key="K")
    assert isinstance(loaded, LgspRestAdapter) and loaded.base_url == "http://127.0.0.1:9"
    with pytest.raises(ValueError):
        axis.load("exchange.lgsp")
