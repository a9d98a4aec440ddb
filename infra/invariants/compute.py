"""Resource-level invariants of the compute area (GPU clusters), over the inventory.

Pure functions of the neutral inventory (type token, name, parent, dependencies, camelCase inputs):
the same checks run in the tests, in `fabric plan` and in the policy pack. Nothing here sees the
spec, so what a check needs travels on the resources themselves:

- a GpuCluster component registers its capacity claim as its inputs (``sku``, ``vms``, ``gpus``...);
- each of its scale sets carries the placement-group limit it was sized against as the tag
  ``ib-placement-group-max-vms`` (absent: Azure's default of 100).

A *GPU scale set* is a VirtualMachineScaleSet whose SKU is in the GPU catalog (every catalog size is
InfiniBand-capable) or that belongs to a GpuCluster.

A reference to another resource ({'id': ...}) is resolved by the target's ID where the inventory has
it (the offline engine), else by the ARM names the ID is made of (resource group and name inputs; the
policy engine hands over no IDs), else, when the reference is not known yet (a preview before the
target exists), by the dependency it creates. A known reference that matches nothing is a violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from infra import catalog
from infra.capacity.report import Violation
from infra.inventory import Inventory, Resource, known
from infra.tokens import GPU_CLUSTER, NIC, NSG, PLACEMENT_GROUP, PUBLIC_IP, SCALE_SET, SUBNET


MAX_VMS_TAG = "ib-placement-group-max-vms"
"""Must match components.gpu_cluster.MAX_VMS_TAG (the component writes it, this module reads it)."""

DEFAULT_LIMIT = catalog.PLACEMENT_GROUP_DEFAULT_VMS.value
HARD_LIMIT = catalog.PLACEMENT_GROUP_RAISED_MAX_VMS.value

# Source prefixes that include the Internet in an NSG rule.
_INTERNET_SOURCES = frozenset({"internet", "*", "0.0.0.0/0", "any"})


# ------------------------------------------------------------------------------------------------
# Reading the inventory
# ------------------------------------------------------------------------------------------------


def _v(invariant: str, inv: Inventory, r: Resource, message: str) -> Violation:
    return Violation(invariant, message, stack=inv.stack, resource=r.urn)


def _known_id(value: Any) -> str | None:
    """An ARM ID the inventory knows (a string), or None when the value is unknown or absent."""
    return value if isinstance(value, str) and known(value) else None


def _cluster_of(inv: Inventory) -> Callable[[Resource], Resource | None]:
    """resource -> the GpuCluster it sits under (through any depth of parents), or None."""
    by_urn = inv.by_urn()

    def find(r: Resource) -> Resource | None:
        seen: set[str] = set()
        parent = r.parent
        while parent and parent not in seen:
            seen.add(parent)
            p = by_urn.get(parent)
            if p is None:
                return None
            if p.type == GPU_CLUSTER:
                return p
            parent = p.parent
        return None

    return find


def _gpu_scale_sets(inv: Inventory) -> list[Resource]:
    cluster_of = _cluster_of(inv)
    return [
        r for r in inv.of_type(SCALE_SET)
        if r.get("sku.name") in catalog.GPU_SKUS or cluster_of(r) is not None
    ]


# Inputs holding a resource's ARM names, in the order they appear in its ID (after the provider).
_ARM_NAME_INPUTS: Mapping[str, tuple[str, ...]] = {
    PLACEMENT_GROUP: ("proximityPlacementGroupName",),
    SUBNET: ("virtualNetworkName", "subnetName"),
    NSG: ("networkSecurityGroupName",),
}


def _is(target: Resource, ref_id: str) -> bool | None:
    """Whether ARM ID `ref_id` names `target`; None when the inventory cannot tell (names unknown).

    Judged from the target's declared names, never from its own ID: the policy engine does not know
    IDs before deployment, and the plan and the policy pack must judge alike."""
    group = target.get("resourceGroupName")
    names = [target.get(k) for k in _ARM_NAME_INPUTS.get(target.type, ())]
    if not names or not all(_known_id(v) for v in (group, *names)):
        return None
    # /subscriptions/<s>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>[/<child type>/<name>]
    parts = ref_id.strip("/").split("/")
    if len(parts) < 8 or parts[2].lower() != "resourcegroups":
        return False
    return parts[3].lower() == group.lower() and [p.lower() for p in parts[7::2]] == [n.lower() for n in names]


def _resolve(inv: Inventory, r: Resource, ref: Any, target_type: str) -> tuple[Resource | None, str | None]:
    """What `ref` (an {'id': ...} input of `r`) points at: (resource, None) or (None, why not)."""
    if not isinstance(ref, Mapping):
        return None, "not set"
    targets = inv.of_type(target_type)
    ref_id = _known_id(ref.get("id"))
    undecided = False
    if ref_id is not None:
        for t in targets:
            match = _is(t, ref_id)
            if match:
                return t, None
            undecided |= match is None
        if not undecided:
            return None, f"{ref_id} is not declared in this stack"
    deps = set(r.dependencies)
    for t in targets:
        if t.urn in deps:
            return t, None
    return None, "refers to nothing this stack declares (by ID, name or dependency)"


def _nic_configs(r: Resource) -> list[Mapping[str, Any]]:
    configs = r.get("virtualMachineProfile.networkProfile.networkInterfaceConfigurations")
    return [c for c in configs if isinstance(c, Mapping)] if isinstance(configs, list) else []


def _ip_configs(r: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for nic in _nic_configs(r):
        for ip in nic.get("ipConfigurations") or []:
            if isinstance(ip, Mapping):
                yield f"{nic.get('name')}/{ip.get('name')}", ip


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# ------------------------------------------------------------------------------------------------
# The checks
# ------------------------------------------------------------------------------------------------


def ib_placement_group(inv: Inventory) -> list[Violation]:
    """Each GPU scale set is one InfiniBand fabric: Uniform, a single placement group, max spreading,
    and no more VMs than its declared placement-group limit (default 100) or Azure's hard 300."""
    name = "ib-placement-group"
    out: list[Violation] = []
    for r in _gpu_scale_sets(inv):
        mode = r.get("orchestrationMode")
        if mode != "Uniform":
            out.append(_v(name, inv, r, (
                f"orchestrationMode is {mode!r}; InfiniBand needs Uniform orchestration (Flexible scale sets "
                "have no InfiniBand)"
            )))
        if r.get("singlePlacementGroup") is not True:
            out.append(_v(name, inv, r, (
                f"singlePlacementGroup is {r.get('singlePlacementGroup')!r}; InfiniBand links only the VMs of "
                "one placement group, so set it to true"
            )))
        fault_domains = r.get("platformFaultDomainCount")
        if fault_domains is not None and _int(fault_domains) != 1:
            out.append(_v(name, inv, r, (
                f"platformFaultDomainCount is {fault_domains!r}; an InfiniBand placement group uses 1 (max "
                "spreading), fixed spreading fails when the fault domains are not available"
            )))
        tags = r.get("tags") or {}
        raw_limit = tags.get(MAX_VMS_TAG) if isinstance(tags, Mapping) else None
        limit = DEFAULT_LIMIT if raw_limit is None else _int(raw_limit)
        if limit is None or not 1 <= limit <= HARD_LIMIT:
            out.append(_v(name, inv, r, (
                f"tag {MAX_VMS_TAG}={raw_limit!r} is not a placement-group limit; allowed 1-{HARD_LIMIT} "
                f"({DEFAULT_LIMIT} by default, up to {HARD_LIMIT} after Azure raised it)"
            )))
            limit = HARD_LIMIT
        raw_capacity = r.get("sku.capacity")
        capacity = _int(raw_capacity)
        if capacity is None:
            if known(raw_capacity):  # absent or not known before deployment: gpu-count says what it means
                out.append(_v(name, inv, r, f"sku.capacity {raw_capacity!r} is not a VM count"))
            continue
        if capacity > limit:
            if raw_limit is None:
                where, fix = f"Azure's default limit of {limit}", f" or declare a raised limit with the tag {MAX_VMS_TAG}"
            else:
                where, fix = f"the declared limit of {limit}", ""
            out.append(_v(name, inv, r, (
                f"{capacity} VMs in one InfiniBand placement group, over {where}; split the cluster into more "
                f"InfiniBand domains{fix}"
            )))
    return out


def ib_proximity(inv: Inventory) -> list[Violation]:
    """Each GPU scale set sits in a proximity placement group of this stack, of its SKU and its zone."""
    name = "ib-proximity"
    out: list[Violation] = []
    for r in _gpu_scale_sets(inv):
        ppg, why = _resolve(inv, r, r.get("proximityPlacementGroup"), PLACEMENT_GROUP)
        if ppg is None:
            out.append(_v(name, inv, r, (
                f"proximityPlacementGroup {why}; GPU scale sets go in the cluster's placement group"
            )))
            continue
        sizes = ppg.get("intent.vmSizes")
        sku = r.get("sku.name")
        if isinstance(sizes, list) and isinstance(sku, str) and sku not in sizes:
            out.append(_v(name, inv, r, f"{sku} is not in the intent of {ppg.name} ({', '.join(map(str, sizes))})"))
        ppg_zones, zones = ppg.get("zones"), r.get("zones")
        if isinstance(ppg_zones, list) and ppg_zones and sorted(ppg_zones) != sorted(zones or []):
            out.append(_v(name, inv, r, (
                f"zones {zones or 'none'} differ from {ppg.name}'s zones {ppg_zones}; a placement group "
                "holds one zone"
            )))
    return out


def no_public_ip(inv: Inventory) -> list[Violation]:
    """No NIC of any scale set has a public IP, and no public IP or public NIC belongs to a GpuCluster."""
    name = "no-public-ip"
    out: list[Violation] = []
    for r in inv.of_type(SCALE_SET):
        for where, ip in _ip_configs(r):
            if ip.get("publicIPAddressConfiguration") is not None:
                out.append(_v(name, inv, r, (
                    f"ipConfiguration {where} has a publicIPAddressConfiguration; scale set nodes are reached "
                    "over the VNet and ExpressRoute only"
                )))
    cluster_of = _cluster_of(inv)
    for r in inv.of_type(PUBLIC_IP, NIC):
        cluster = cluster_of(r)
        if cluster is None:
            continue
        if r.type == PUBLIC_IP:
            out.append(_v(name, inv, r, f"public IP address declared under GPU cluster {cluster.name}"))
        else:
            for ip in r.get("ipConfigurations") or []:
                if isinstance(ip, Mapping) and ip.get("publicIPAddress") is not None:
                    out.append(_v(name, inv, r, (
                        f"NIC of GPU cluster {cluster.name} has a public IP on ipConfiguration {ip.get('name')}"
                    )))
    return out


def gpu_count(inv: Inventory) -> list[Violation]:
    """Each GpuCluster's declared GPUs (and VMs) equal the sum over its scale sets of capacity x GPUs
    per VM of the SKU (from the catalog); no GPU scale set sits outside a cluster's claim."""
    name = "gpu-count"
    out: list[Violation] = []
    cluster_of = _cluster_of(inv)
    members: dict[str, list[Resource]] = {c.urn: [] for c in inv.of_type(GPU_CLUSTER)}
    for s in _gpu_scale_sets(inv):
        cluster = cluster_of(s)
        if cluster is None:
            out.append(_v(name, inv, s, (
                f"GPU scale set outside any GpuCluster: its {s.get('sku.capacity')} x {s.get('sku.name')} VMs are "
                "in no capacity claim"
            )))
        else:
            members[cluster.urn].append(s)
    for cluster in inv.of_type(GPU_CLUSTER):
        declared_gpus, declared_vms = _int(cluster.get("gpus")), _int(cluster.get("vms"))
        if declared_gpus is None:
            out.append(_v(name, inv, cluster, "the cluster declares no GPU count (input 'gpus')"))
            continue
        gpus = vms = 0
        complete = True
        for s in members[cluster.urn]:
            sku, raw_capacity = s.get("sku.name"), s.get("sku.capacity")
            capacity = _int(raw_capacity)
            size = catalog.GPU_SKUS.get(sku) if isinstance(sku, str) else None
            if size is None:
                out.append(_v(name, inv, s, (
                    f"SKU {sku!r} is not a GPU size of the catalog; allowed: {', '.join(catalog.GPU_SKUS)}"
                )))
                complete = False
            elif capacity is None:
                # A capacity not known before deployment is judged then; one absent or not a number
                # leaves the cluster's claim unverifiable, which is a violation of its own.
                if raw_capacity is None or known(raw_capacity):
                    out.append(_v(name, inv, s, (
                        f"scale set {s.name} has no VM count (sku.capacity {raw_capacity!r}); cluster "
                        f"{cluster.name}'s {declared_gpus:,} GPUs cannot be verified"
                    )))
                complete = False
            else:
                gpus += capacity * size.gpus_per_vm
                vms += capacity
        if not complete:
            continue
        parts = " + ".join(f"{s.name} {s.get('sku.capacity')} x {catalog.GPU_SKUS[s.get('sku.name')].gpus_per_vm}"
                           for s in members[cluster.urn]) or "no scale sets"
        if gpus != declared_gpus:
            out.append(_v(name, inv, cluster, (
                f"cluster {cluster.name} declares {declared_gpus:,} GPUs but its scale sets hold {gpus:,} ({parts})"
            )))
        if declared_vms is not None and vms != declared_vms:
            out.append(_v(name, inv, cluster, (
                f"cluster {cluster.name} declares {declared_vms:,} VMs but its scale sets hold {vms:,}"
            )))
    return out


def encryption_at_host(inv: Inventory) -> list[Violation]:
    """Every GPU scale set encrypts at host (temp disk and caches included)."""
    name = "encryption-at-host"
    return [
        _v(name, inv, r, (
            "virtualMachineProfile.securityProfile.encryptionAtHost is "
            f"{r.get('virtualMachineProfile.securityProfile.encryptionAtHost')!r}; set it to true"
        ))
        for r in _gpu_scale_sets(inv)
        if r.get("virtualMachineProfile.securityProfile.encryptionAtHost") is not True
    ]


def image_pinned(inv: Inventory) -> list[Violation]:
    """Every GPU scale set runs a pinned image version, never 'latest': the image carries the GPU driver,
    NCCL and InfiniBand stack, which 'latest' would change at the next reimage or scale-out
    (catalog.IMAGE_VERSION_PATTERN). A custom image (an ID instead of publisher/offer/sku) is pinned by
    its own version and left alone."""
    out: list[Violation] = []
    for r in _gpu_scale_sets(inv):
        ref = r.get("virtualMachineProfile.storageProfile.imageReference")
        if not isinstance(ref, Mapping) or ref.get("id") is not None:
            continue
        version = ref.get("version")
        if not known(version):
            continue  # not known before deployment: nothing to judge
        if not isinstance(version, str) or not re.match(catalog.IMAGE_VERSION_PATTERN.value, version):
            out.append(_v("image-pinned", inv, r, (
                f"image {ref.get('offer')}:{ref.get('sku')} runs version {version!r}; pin a version such as "
                "'22.04.2024102301' (clusters.<name>.image_version): 'latest' changes the GPU driver, NCCL and "
                "InfiniBand stack at the next reimage or scale-out"
            )))
    return out


def accelerated_networking(inv: Inventory) -> list[Violation]:
    """Every NIC of every GPU scale set has accelerated networking."""
    name = "accelerated-networking"
    out: list[Violation] = []
    for r in _gpu_scale_sets(inv):
        configs = _nic_configs(r)
        if not configs:
            out.append(_v(name, inv, r, "no network interface configuration"))
        for nic in configs:
            if nic.get("enableAcceleratedNetworking") is not True:
                out.append(_v(name, inv, r, (
                    f"NIC {nic.get('name')} has enableAcceleratedNetworking "
                    f"{nic.get('enableAcceleratedNetworking')!r}; set it to true"
                )))
    return out


def _lets_internet_in(rule: Mapping[str, Any]) -> bool:
    sources = [rule.get("sourceAddressPrefix"), *(rule.get("sourceAddressPrefixes") or [])]
    return rule.get("direction") == "Inbound" and any(
        isinstance(s, str) and s.lower() in _INTERNET_SOURCES for s in sources
    )


def _covers_everything(rule: Mapping[str, Any]) -> bool:
    ports = [rule.get("destinationPortRange"), *(rule.get("destinationPortRanges") or [])]
    return rule.get("protocol") == "*" and "*" in ports


def _internet_problem(nsg: Resource) -> str | None:
    """Why this NSG does not deny all inbound traffic from the Internet, or None if it does."""
    rules = [r for r in nsg.get("securityRules") or [] if isinstance(r, Mapping) and _lets_internet_in(r)]
    denies = [p for r in rules if r.get("access") == "Deny" and _covers_everything(r)
              and (p := _int(r.get("priority"))) is not None]
    if not denies:
        return "has no inbound Deny rule for source Internet on all protocols and ports"
    first = min(denies)
    # An allow without a priority cannot be shown to come after the deny; and Azure refuses two rules of
    # one direction at one priority, so an allow at the deny's own priority is no less a hole.
    allows = [r for r in rules if r.get("access") == "Allow"
              and ((p := _int(r.get("priority"))) is None or p <= first)]
    if allows:
        return (f"allows Internet inbound ({', '.join(str(r.get('name')) for r in allows)}) at a priority before "
                f"its deny rule at {first}")
    return None


def nsg_denies_internet(inv: Inventory) -> list[Violation]:
    """Every subnet of a GpuCluster, and every subnet a GPU scale set uses, has an NSG of this stack that
    denies all inbound traffic from the Internet before anything allows it."""
    name = "nsg-denies-internet"
    out: list[Violation] = []
    cluster_of = _cluster_of(inv)
    subnets = {r.urn: r for r in inv.of_type(SUBNET) if cluster_of(r) is not None}
    for s in _gpu_scale_sets(inv):
        for where, ip in _ip_configs(s):
            subnet, why = _resolve(inv, s, ip.get("subnet"), SUBNET)
            if subnet is None:
                out.append(_v(name, inv, s, f"subnet of ipConfiguration {where} {why}; its NSG cannot be checked"))
            else:
                subnets.setdefault(subnet.urn, subnet)
    for subnet in subnets.values():
        nsg, why = _resolve(inv, subnet, subnet.get("networkSecurityGroup"), NSG)
        if nsg is None:
            out.append(_v(name, inv, subnet, (
                f"networkSecurityGroup {why}; a GPU subnet needs an NSG that denies the Internet"
            )))
            continue
        problem = _internet_problem(nsg)
        if problem is not None:
            out.append(_v(name, inv, subnet, f"its NSG {nsg.name} {problem}"))
    return out


CHECKS: dict[str, Callable[[Inventory], list[Violation]]] = {
    "ib-placement-group": ib_placement_group,
    "ib-proximity": ib_proximity,
    "no-public-ip": no_public_ip,
    "gpu-count": gpu_count,
    "encryption-at-host": encryption_at_host,
    "image-pinned": image_pinned,
    "accelerated-networking": accelerated_networking,
    "nsg-denies-internet": nsg_denies_internet,
}
"""Invariant name -> check. Names are a contract: policies and reports refer to them."""
