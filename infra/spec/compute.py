"""Spec of one GPU cluster: SKU, size (VMs or a GPU target), InfiniBand placement, subnet."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from infra import catalog
from infra.spec.fields import Cidr, Name, SpecModel


class GpuClusterSpec(SpecModel):
    """A dedicated ND-series cluster: one InfiniBand scale set per placement group, in its own subnet."""

    sku: str
    """GPU VM size, e.g. 'Standard_ND96amsr_A100_v4'; must be in the catalog."""
    vm_count: PositiveInt | None = None
    """VMs in the cluster. Omit to derive it from gpu_count; give both and they must agree exactly."""
    gpu_count: PositiveInt | None = None
    """GPU target. When given, the cluster must hold exactly this many GPUs."""
    placement_group_max_vms: int = Field(
        default=catalog.PLACEMENT_GROUP_DEFAULT_VMS.value, ge=1, le=catalog.PLACEMENT_GROUP_RAISED_MAX_VMS.value
    )
    """VMs per InfiniBand scale set (singlePlacementGroup). 100 by default; up to 300 only after
    Azure raised the limit for this subscription by support request."""
    subnet: Cidr
    """The cluster's subnet, inside the site's address space."""
    subnet_headroom_pct: int = Field(default=10, ge=0, le=400)
    """Addresses kept free beyond the VMs and Azure's 5 reserved, in percent of the VMs (for reimaging
    and scale-out). 10 by default."""
    zone: Literal["1", "2", "3"] | None = None
    """Availability zone of the whole cluster (InfiniBand never spans zones). None: regional."""
    datasets: tuple[Name, ...] = ()
    """Dataset storage (keys of access.datasets) the cluster's training identity may read."""

    @field_validator("sku")
    @classmethod
    def _known_sku(cls, sku: str) -> str:
        if sku not in catalog.GPU_SKUS:
            raise ValueError(f"unknown GPU SKU {sku!r}; allowed: {', '.join(catalog.GPU_SKUS)}")
        return sku

    @model_validator(mode="after")
    def _sized(self) -> GpuClusterSpec:
        sku = catalog.GPU_SKUS[self.sku]
        if self.vm_count is None and self.gpu_count is None:
            raise ValueError("give vm_count or gpu_count (or both)")
        if self.vm_count is None:
            assert self.gpu_count is not None
            if self.gpu_count % sku.gpus_per_vm:
                raise ValueError(
                    f"gpu_count {self.gpu_count} is not a multiple of {sku.gpus_per_vm} GPUs per "
                    f"{self.sku} VM; use {self._round(self.gpu_count, sku.gpus_per_vm)} for example"
                )
        vms = self.vms
        if self.gpu_count is not None and vms * sku.gpus_per_vm != self.gpu_count:
            raise ValueError(
                f"vm_count {vms} x {sku.gpus_per_vm} GPUs per {self.sku} VM = {vms * sku.gpus_per_vm} "
                f"GPUs, but gpu_count says {self.gpu_count}"
            )
        if vms % sku.rack_vms:
            raise ValueError(
                f"{self.sku} comes in whole racks of {sku.rack_vms} VMs; {vms} VMs is "
                f"{vms / sku.rack_vms:.2f} racks (use {self._round(vms, sku.rack_vms)} VMs)"
            )
        if self.placement_group_max_vms < sku.rack_vms:
            raise ValueError(
                f"placement_group_max_vms {self.placement_group_max_vms} cannot hold one "
                f"{sku.rack_vms}-VM rack of {self.sku}"
            )
        return self

    @staticmethod
    def _round(value: int, unit: int) -> int:
        return max(unit, math.ceil(value / unit) * unit)

    @property
    def vms(self) -> int:
        if self.vm_count is not None:
            return self.vm_count
        assert self.gpu_count is not None
        return self.gpu_count // catalog.GPU_SKUS[self.sku].gpus_per_vm

    @property
    def catalog_sku(self) -> catalog.GpuSku:
        return catalog.GPU_SKUS[self.sku]

    def ib_domain_sizes(self) -> tuple[int, ...]:
        """VMs per InfiniBand scale set: as few sets as the limit allows, balanced, whole racks.

        675 VMs with a 300-VM limit become 225+225+225 rather than 300+300+75, so every domain
        carries a similar share of a job and losing one costs the least.
        """
        unit = self.catalog_sku.rack_vms
        racks = self.vms // unit
        racks_per_domain = self.placement_group_max_vms // unit
        domains = math.ceil(racks / racks_per_domain)
        base, extra = divmod(racks, domains)
        return tuple((base + (1 if i < extra else 0)) * unit for i in range(domains))
