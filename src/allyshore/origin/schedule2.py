"""SOR/2020-155 Schedule 2 (USMCA Table 2.10.1): goods originating when imported from a CUSMA country (s.3(7)).

Codes as printed in Schedule 2 (Canadian tariff items where eight digits are given). The
subheading 8443.99 entry covers only parts of machines of 8443.31 and 8443.32 (not facsimile
machines or teleprinters); 8517.70 only parts of LAN equipment of 8517.62; 8529.90 only parts of
monitors and projectors of 8528.42, 8528.52 and 8528.62 — conditions the producer must attest to.

>>> in_schedule_2("8471.70"), in_schedule_2("8471.90")
(True, False)
"""

from __future__ import annotations

SCHEDULE_2 = (
    "847130", "847141", "847149", "847150", "84716000", "85284200", "85285200", "85286200", "847170",
    "847180", "844399", "847330", "851770", "85299010", "85299050", "85299090", "85044030", "85044090",
    "85049010", "85049020", "85049090",
)  # fmt: skip


def in_schedule_2(hs: str) -> bool:
    code = "".join(ch for ch in hs if ch.isdigit())
    for entry in SCHEDULE_2:
        n = min(len(entry), max(len(code), 6))
        if code[:n] == entry[:n] and len(code) >= 6:
            return True
    return False
