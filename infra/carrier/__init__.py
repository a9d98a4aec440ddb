"""The carrier network (``stacks/fabric.yaml``): model, loader with file:line errors, cross-checks, report.

Shaped like infra.capacity: plain models and pure functions; the flow analysis over circuits and
spans is infra.capacity.flows, which takes a CarrierSpec.
"""

from infra.carrier.loader import FABRIC_FILE, LoadedCarrier, load, load_beside
from infra.carrier.model import CarrierSpec, PopSpec, SpanSpec, SrlgSpec, UpgradeOption

__all__ = [
    "FABRIC_FILE", "CarrierSpec", "LoadedCarrier", "PopSpec", "SpanSpec", "SrlgSpec", "UpgradeOption", "load",
    "load_beside",
]
