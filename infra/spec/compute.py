"""Spec of one GPU cluster: SKU, size (VMs or a GPU target), InfiniBand placement, subnet."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from infra import catalog
from infra.spec.fields import Cidr, Name, PositiveCount, SpecModel
from infra.spec.messages import did_you_mean


# Key types Azure accepts for a Linux admin account (articles/virtual-machines/linux/create-ssh-keys-detailed):
# SSH-2 RSA of 2048 bits or more, and Ed25519. ECDSA is refused.
SSH_RSA_MIN_BITS = 2048


def _ssh_fields(blob: bytes) -> list[bytes]:
    """The length-prefixed fields of an SSH public key blob (RFC 4253 section 6.6)."""
    fields, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise ValueError("truncated key blob")
        size = int.from_bytes(blob[at : at + 4], "big")
        at += 4
        if at + size > len(blob):
            raise ValueError("truncated key blob")
        fields.append(blob[at : at + size])
        at += size
    return fields


def parse_ssh_public_key(value: str) -> str:
    """An OpenSSH public key line ('ssh-rsa AAAA... comment') that Azure accepts, parsed, not matched.

    The base64 blob must decode, name the same key type as the line, and for RSA carry a modulus of
    at least 2048 bits; Ed25519 keys are 32 bytes.
    """
    parts = value.strip().split()
    if len(parts) < 2:
        raise ValueError(
            f"not an OpenSSH public key: {value[:40]!r}; expected '<type> <base64> [comment]', e.g. the "
            "contents of ~/.ssh/id_rsa.pub"
        )
    kind, data = parts[0], parts[1]
    if kind not in ("ssh-rsa", "ssh-ed25519"):
        raise ValueError(f"key type {kind!r} is not accepted by Azure; use ssh-rsa (2048 bits or more) or ssh-ed25519")
    try:
        fields = _ssh_fields(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the {kind} key's base64 blob does not decode ({exc}); paste the whole .pub line") from None
    if not fields:
        raise ValueError(f"the {kind} key's blob is empty; paste the whole .pub line")
    if fields[0] != kind.encode():
        raise ValueError(f"the key line says {kind} but its blob holds a {fields[0][:20]!r} key")
    if kind == "ssh-rsa":
        if len(fields) != 3:
            raise ValueError("an ssh-rsa blob holds exactly a type, an exponent and a modulus")
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < SSH_RSA_MIN_BITS:
            raise ValueError(
                f"RSA key of {bits} bits; Azure needs {SSH_RSA_MIN_BITS} or more (ssh-keygen -t rsa -b 4096)"
            )
    elif len(fields) != 2 or len(fields[1]) != 32:
        raise ValueError("an ssh-ed25519 blob holds a type and a 32-byte key")
    return " ".join(parts)


class GpuClusterSpec(SpecModel):
    """A dedicated ND-series cluster: one InfiniBand scale set per placement group, in its own subnet."""

    sku: str
    """GPU VM size, e.g. 'Standard_ND96amsr_A100_v4'; must be in the catalog."""
    vm_count: PositiveCount | None = None
    """VMs in the cluster. Omit to derive it from gpu_count; give both and they must agree exactly."""
    gpu_count: PositiveCount | None = None
    """GPU target. When given, the cluster must hold exactly this many GPUs."""
    placement_group_max_vms: int = Field(
        default=catalog.PLACEMENT_GROUP_DEFAULT_VMS.value, strict=True, ge=1, le=catalog.PLACEMENT_GROUP_RAISED_MAX_VMS.value
    )
    """VMs per InfiniBand scale set (singlePlacementGroup). 100 by default; up to 300 only after
    Azure raised the limit for this subscription by support request."""
    subnet: Cidr
    """The cluster's subnet, inside the site's address space."""
    subnet_headroom_pct: int = Field(default=10, strict=True, ge=0, le=400)
    """Addresses kept free beyond the VMs and Azure's 5 reserved, in percent of the VMs (for reimaging
    and scale-out). 10 by default."""
    zone: Literal["1", "2", "3"] | None = None
    """Availability zone of the whole cluster (InfiniBand never spans zones). None: regional."""
    datasets: tuple[Name, ...] = ()
    """Dataset storage (keys of access.datasets) the cluster's training identity may read."""
    image_version: str | None = None
    """Marketplace version of the HPC image (e.g. '22.04.2024102301'), pinned: 'latest' is refused, since a
    reimage or scale-out would silently change the GPU driver, NCCL and InfiniBand stack. None: the
    catalog's pinned version for the SKU's image (a SKU without one needs it here)."""
    admin_ssh_public_key: Annotated[str, AfterValidator(parse_ssh_public_key)] | None = None
    """Break-glass SSH public key of the nodes' admin account (RSA 2048+ or Ed25519). None: people log
    in with Entra ID only, and the admin account gets a key nobody holds a private half of."""

    @field_validator("sku")
    @classmethod
    def _known_sku(cls, sku: str) -> str:
        if sku not in catalog.GPU_SKUS:
            raise ValueError(f"unknown GPU SKU {sku!r}; allowed: {', '.join(catalog.GPU_SKUS)}."
                             + did_you_mean(sku, catalog.GPU_SKUS))
        return sku

    @field_validator("image_version")
    @classmethod
    def _pinned(cls, version: str | None) -> str | None:
        if version is None:
            return None
        if version.strip().lower() == "latest":
            raise ValueError(
                "'latest' is not a pinned version: a reimage or scale-out would pick up whatever image is "
                "newest, with its own GPU driver, NCCL and InfiniBand stack. Give the version, e.g. "
                "'22.04.2024102301' (az vm image list --publisher microsoft-dsvm --offer ubuntu-hpc --all)"
            )
        if not re.match(catalog.IMAGE_VERSION_PATTERN.value, version):
            raise ValueError(
                f"image_version {version!r} is not a marketplace version; expected Major.Minor.Patch, e.g. "
                "'22.04.2024102301'"
            )
        return version

    @field_validator("datasets")
    @classmethod
    def _distinct_datasets(cls, datasets: tuple[str, ...]) -> tuple[str, ...]:
        # Each dataset becomes one role assignment named after it; a repeat would be a duplicate resource.
        repeated = sorted({d for d in datasets if datasets.count(d) > 1})
        if repeated:
            raise ValueError(f"datasets {', '.join(map(repr, repeated))} listed more than once; list each once")
        return datasets

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
        if self.image_version is None and sku.image_version is None:
            raise ValueError(
                f"the catalog pins no image version for {self.sku} (image {sku.image_offer}:{sku.image_sku}); "
                "set image_version, e.g. from `az vm image list --publisher microsoft-dsvm --offer "
                f"{sku.image_offer} --sku {sku.image_sku} --all`"
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

    @property
    def pinned_image_version(self) -> str:
        """The image version the scale sets run: the spec's, else the catalog's pin for the SKU's image."""
        version = self.image_version or self.catalog_sku.image_version
        assert version is not None  # _sized refuses a cluster with neither
        return version

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
