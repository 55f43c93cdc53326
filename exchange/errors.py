"""The one error of the exchange codec: a package or status message refused.

A received package comes from another agency's system; whatever is wrong
with it must end as a reason the clerk can read and send back with status
02 (DOMAIN §2.10, §6.4), never as a crash. ``field`` names the element
(path under the edXML root) so the reason can point at it.
"""
from __future__ import annotations

from archive.errors import InvalidInput, Msg


class ExchangeRefused(InvalidInput):
    """An edXML package or status message that cannot be accepted."""

    code = "exchange_refused"

    def __init__(self, reason_vi: str, reason_en: str, field: str = ""):
        reason = Msg(reason_vi, reason_en)
        super().__init__(reason, {field: reason} if field else None)
        self.reason = reason
        self.field = field

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.reason.en}{where}"
