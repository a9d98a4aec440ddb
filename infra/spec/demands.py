"""Spec of the traffic a site must be able to send to other sites: replications and sustained rates.

Every demand may say how critical it is (``critical``: it must survive any two failures, not just
one) and which paths it may take (``path``): ``carrier`` keeps the data on the carrier's fibre
(circuit, carrier spans, circuit), ``any`` also allows paths Azure documents for VNet-to-VNet
traffic off the carrier (global VNet peering over Microsoft's backbone), where the fabric declares
one. Global Reach never carries a VNet-to-VNet demand: Azure documents it for traffic between
on-premises networks (see the path rules in infra/catalog.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from infra.spec.fields import Name, SpecModel

# Bounds that keep figures finite and meaningful: no fabric carries 100 Tb/s between two sites.
MAX_DEMAND_GBPS = 100_000.0
MAX_DATASET_TB = 1_000_000.0
MAX_HOURS = 100_000.0

PathRequirement = Literal["any", "carrier"]


class _DemandBase(SpecModel):
    to_stack: Name
    critical: StrictBool = False
    """Must still fit after any two failures (with only the critical demands carried), not just one.
    False: the single-failure policy applies."""
    path: PathRequirement = "any"
    """'carrier': the data stays on the carrier's fibre (circuits and carrier spans only). 'any': also
    paths off the carrier that Azure documents for VNet-to-VNet traffic, where declared."""


class ReplicationDemand(_DemandBase):
    """Copy a dataset to a peer site within a deadline."""

    kind: Literal["replication"]
    dataset_tb: float = Field(gt=0, le=MAX_DATASET_TB, allow_inf_nan=False)
    """Dataset size in terabytes (10^12 bytes), up to an exabyte."""
    within_hours: float = Field(ge=0.01, le=MAX_HOURS, allow_inf_nan=False)
    """Deadline in hours, from 36 seconds to about 11 years."""

    @model_validator(mode="after")
    def _rate_bounded(self) -> ReplicationDemand:
        if self.gbps > MAX_DEMAND_GBPS:
            raise ValueError(
                f"{self.dataset_tb:g} TB within {self.within_hours:g} h needs {self.gbps:,.0f} Gb/s, beyond any "
                f"fabric (at most {MAX_DEMAND_GBPS:,.0f}); check the units (terabytes, hours)"
            )
        return self

    @property
    def gbps(self) -> float:
        return self.dataset_tb * 8000 / (self.within_hours * 3600)


class SustainedDemand(_DemandBase):
    """A steady rate to a peer site, e.g. gradient exchange of cross-site training."""

    kind: Literal["sustained"]
    gbps: float = Field(gt=0, le=MAX_DEMAND_GBPS, allow_inf_nan=False)
    """Sustained rate in Gb/s."""


Demand = Annotated[ReplicationDemand | SustainedDemand, Field(discriminator="kind")]
