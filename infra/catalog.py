"""Azure facts the fabric depends on: GPU sizes, ExpressRoute ladders, gateway SKUs, limits, role IDs.

Every fact carries its source. Facts that the sources contradict, or that nobody here has verified,
are marked so, and only those can be overridden from a stack file (``ai-fabric:catalog_overrides``);
a verified fact changes here, with its new source, or not at all. Re-check against the live
documentation or ``az`` before a real deployment: limits change.

Sources are paths in MicrosoftDocs/azure-docs (or azure-compute-docs) unless they say otherwise;
the collected notes are in shared/reference/azure-facts.md.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class Status(enum.Enum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    CONTRADICTORY = "contradictory"


@dataclass(frozen=True)
class Fact:
    """One overridable-or-not fact: its value, where it came from and how sure we are."""

    value: Any
    source: str
    status: Status = Status.VERIFIED
    note: str = ""

    @property
    def overridable(self) -> bool:
        return self.status is not Status.VERIFIED


SIZES_DOC = "articles/virtual-machines/sizes/gpu-accelerated"
HPC_DOC = "articles/virtual-machines/sizes/overview (HPC cluster configuration options); VMSS placement groups"
ER_LIMITS_DOC = "includes/expressroute-limits.md"
ER_FAQ_DOC = "articles/expressroute/expressroute-faqs.md"
ER_DIRECT_DOC = "articles/expressroute/expressroute-erdirect-about.md"
ER_GW_DOC = "articles/expressroute/expressroute-about-virtual-network-gateways.md"
ER_SCALE_DOC = "articles/expressroute/scalable-gateway.md"
FASTPATH_DOC = "articles/expressroute/about-fastpath.md"
GLOBAL_REACH_DOC = "articles/expressroute/expressroute-global-reach.md"
LOCATIONS_DOC = "articles/expressroute/expressroute-locations-providers.md"
BUILTIN_ROLES_DOC = "articles/role-based-access-control/built-in-roles.md"


# --------------------------------------------------------------------------------------------
# GPU VM sizes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuSku:
    name: str
    series: str
    gpu_model: str
    gpus_per_vm: int
    gpu_memory_gib_per_gpu: int
    vcpus: int
    cpu_sockets: int
    cpu_model: str
    ib_links_per_vm: int
    ib_gbps_per_link: int
    image_offer: str
    """Marketplace image (publisher microsoft-dsvm, offer, sku) that ships the InfiniBand/RDMA drivers."""
    image_sku: str
    rack_vms: int = 1
    """VMs that make one indivisible unit: an NVL72 rack is 18 GB200 VMs; everything else is 1."""
    source: str = SIZES_DOC
    status: Status = Status.VERIFIED
    note: str = ""

    @property
    def ib_gbps_per_vm(self) -> int:
        return self.ib_links_per_vm * self.ib_gbps_per_link


_HPC_UBUNTU = ("ubuntu-hpc", "2204")

GPU_SKUS: Mapping[str, GpuSku] = {
    s.name: s
    for s in (
        GpuSku(
            "Standard_ND96asr_v4", "ND A100 v4", "A100 40GB", 8, 40, 96, 2, "AMD EPYC 7V12 (Rome)",
            8, 200, *_HPC_UBUNTU,
        ),
        GpuSku(
            "Standard_ND96amsr_A100_v4", "NDm A100 v4", "A100 80GB", 8, 80, 96, 2, "AMD EPYC 7V12 (Milan)",
            8, 200, *_HPC_UBUNTU,
            status=Status.CONTRADICTORY,
            note="host memory is 1900 GB in the sizes table and 900 GiB in the specs include; the "
            "2-socket layout is confirmed by the May 2022 announcement (5,400 GPUs = 675 VMs = "
            "1,350 AMD Milan processors). The fabric does not use host memory.",
        ),
        GpuSku(
            "Standard_ND96isr_H100_v5", "ND H100 v5", "H100 80GB", 8, 80, 96, 2, "Intel Xeon (Sapphire Rapids)",
            8, 400, *_HPC_UBUNTU,
        ),
        GpuSku(
            "Standard_ND96isr_H200_v5", "ND H200 v5", "H200 141GB", 8, 141, 96, 2, "Intel Xeon (Sapphire Rapids)",
            8, 400, *_HPC_UBUNTU,
            status=Status.UNVERIFIED,
            note="socket count is not in the sizes table; 2 assumed from the H100 v5 host",
        ),
        GpuSku(
            "Standard_ND128isr_NDR_GB200_v6", "ND GB200 v6", "GB200", 4, 192, 128, 2, "NVIDIA Grace",
            4, 400, "ubuntu-hpc", "2204-arm64", rack_vms=18,
            status=Status.CONTRADICTORY,
            note="network table says 1.8 TBps, which does not match 4 x 400 Gb/s = 1.6 Tb/s; the "
            "catalog uses the per-link figure. One NVL72 rack is 18 VMs.",
        ),
        GpuSku(
            "Standard_ND96isr_MI300X_v5", "ND MI300X v5", "MI300X", 8, 192, 96, 2, "Intel Xeon (Sapphire Rapids)",
            8, 400, "ubuntu-hpc", "2204-rocm",
            status=Status.UNVERIFIED,
            note="socket count not in the sizes table; the ROCm HPC image SKU name is unverified",
        ),
    )
}

# Azure subtracts these from every subnet: network, gateway, two DNS, broadcast.
SUBNET_RESERVED_ADDRESSES = Fact(5, "articles/virtual-network/virtual-networks-faq.md")

# An InfiniBand fabric spans one scale set with singlePlacementGroup=true.
PLACEMENT_GROUP_DEFAULT_VMS = Fact(100, HPC_DOC, note="InfiniBand only links VMs of one scale set")
PLACEMENT_GROUP_RAISED_MAX_VMS = Fact(
    300, HPC_DOC,
    note="raised by support request; Azure CLI refused >100 even where raised (Azure/azure-cli#9630)",
)
SCALE_SET_MAX_VMS_WITHOUT_SPG = Fact(1000, HPC_DOC, note="not one InfiniBand fabric")


# --------------------------------------------------------------------------------------------
# ExpressRoute circuits
# --------------------------------------------------------------------------------------------

PROVIDER_BANDWIDTHS_MBPS = Fact((50, 100, 200, 500, 1000, 2000, 5000, 10000), ER_LIMITS_DOC)
DIRECT_PORT_GBPS = Fact(
    (10, 100), ER_DIRECT_DOC, Status.UNVERIFIED,
    note="400 Gbps ports appear in newer text; not verified, add 400 by override once confirmed",
)
DIRECT_CIRCUIT_GBPS_BY_PORT: Fact = Fact(
    {10: (1, 2, 5, 10), 100: (5, 10, 40, 100)}, ER_DIRECT_DOC,
)
DIRECT_OVERSUBSCRIPTION = Fact(2, ER_DIRECT_DOC, note="circuits on a port may add up to twice the port")
CIRCUIT_TIERS = ("Local", "Standard", "Premium")
CIRCUIT_FAMILIES = ("MeteredData", "UnlimitedData")
CIRCUITS_PER_SUBSCRIPTION = Fact(50, ER_LIMITS_DOC)
CIRCUITS_PER_REGION_PER_SUBSCRIPTION = Fact(10, ER_LIMITS_DOC)
VNET_LINKS_PER_CIRCUIT_STANDARD = Fact(10, ER_LIMITS_DOC)
PRIVATE_PEERING_ROUTES = Fact({"Standard": 4000, "Premium": 10000}, ER_LIMITS_DOC)
VLAN_RANGE = Fact((1, 4094), ER_FAQ_DOC)
AZURE_ASN = Fact(12076, ER_FAQ_DOC)
RESERVED_ASNS = Fact(frozenset({12076, 65515, 65516, 65517, 65518, 65519, 65520}), ER_FAQ_DOC)
GLOBAL_REACH_PREFIX_LEN = Fact(29, GLOBAL_REACH_DOC)
PEERING_PREFIX_LEN = Fact(30, ER_FAQ_DOC)

LUMEN_PROVIDER_NAME = Fact(
    "CenturyLink Cloud Connect", LOCATIONS_DOC, Status.UNVERIFIED,
    note="Lumen was CenturyLink; 'Level 3 Communications' is listed separately. Whether the API now "
    "says 'Lumen Technologies' is unverified: the name must match "
    "`az network express-route list-service-providers` exactly.",
)

# Peering location -> (metro, geopolitical region). Geopolitical regions decide Standard vs Premium.
PEERING_LOCATIONS: Mapping[str, tuple[str, str]] = {
    "Amsterdam2": ("Amsterdam", "Europe"),
    "Chicago": ("Chicago", "North America"),
    "Dublin": ("Dublin", "Europe"),
    "Frankfurt": ("Frankfurt", "Europe"),
    "Hong Kong": ("Hong Kong", "Asia Pacific"),
    "Las Vegas": ("Las Vegas", "North America"),
    "London2": ("London", "Europe"),
    "New York": ("New York", "North America"),
    "Paris": ("Paris", "Europe"),
    "San Antonio": ("San Antonio", "North America"),
    "Silicon Valley": ("San Jose", "North America"),
    "Tokyo": ("Tokyo", "Asia Pacific"),
    "Toronto": ("Toronto", "North America"),
    "Washington DC": ("Washington DC", "North America"),
    "Washington DC2": ("Washington DC", "North America"),
}
LUMEN_PEERING_LOCATIONS = Fact(
    tuple(PEERING_LOCATIONS), LOCATIONS_DOC + " (2021 text)", Status.UNVERIFIED,
    note="port stock and the list change; check the live provider list",
)

# Azure region -> geopolitical region (for Standard-tier reach and Global Reach premium rules).
AZURE_REGIONS: Mapping[str, str] = {
    "eastus": "North America", "eastus2": "North America", "centralus": "North America",
    "northcentralus": "North America", "southcentralus": "North America", "westcentralus": "North America",
    "westus": "North America", "westus2": "North America", "westus3": "North America",
    "canadacentral": "North America", "canadaeast": "North America",
    "northeurope": "Europe", "westeurope": "Europe", "uksouth": "Europe", "ukwest": "Europe",
    "francecentral": "Europe", "germanywestcentral": "Europe", "swedencentral": "Europe",
    "switzerlandnorth": "Europe", "norwayeast": "Europe", "polandcentral": "Europe", "italynorth": "Europe",
    "japaneast": "Asia Pacific", "japanwest": "Asia Pacific", "eastasia": "Asia Pacific",
    "southeastasia": "Asia Pacific", "koreacentral": "Asia Pacific", "australiaeast": "Australia",
    "centralindia": "India", "brazilsouth": "South America", "uaenorth": "Middle East",
}
AZURE_REGIONS_SOURCE = "az account list-locations (public cloud); geopolitical grouping from " + LOCATIONS_DOC


# --------------------------------------------------------------------------------------------
# ExpressRoute gateways
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewaySku:
    name: str
    throughput_gbps: float
    max_circuits: int
    max_vms_in_vnet: int
    fastpath: bool
    zone_redundant: bool
    source: str = ER_GW_DOC
    status: Status = Status.VERIFIED
    note: str = ""


GATEWAY_SKUS: Mapping[str, GatewaySku] = {
    g.name: g
    for g in (
        GatewaySku("Standard", 1, 4, 2000, False, False),
        GatewaySku("HighPerformance", 2, 8, 4500, False, False),
        GatewaySku("UltraPerformance", 10, 16, 11000, True, False, source=ER_GW_DOC + "; " + FASTPATH_DOC),
        GatewaySku("ErGw1AZ", 1, 4, 2000, False, True),
        GatewaySku("ErGw2AZ", 2, 8, 4500, False, True),
        GatewaySku("ErGw3AZ", 10, 16, 11000, True, True, source=ER_GW_DOC + "; " + FASTPATH_DOC),
        # Throughput is per scale unit; see ergwscale_throughput_gbps.
        GatewaySku(
            "ErGwScale", 1, 16, 2000, False, True, source=ER_SCALE_DOC, status=Status.UNVERIFIED,
            note="sources disagree: a Nov 2025 copy of expressroute-about-virtual-network-gateways.md says "
            "ErGwScale supports FastPath from 10 scale units and connects 4 circuits at 1 unit, 8 from 2, 16 "
            "from 10, while about-fastpath.md lists only UltraPerformance and ErGw3AZ. Assumed here: 16 "
            "circuits (the per-VNet limit) and no FastPath; override catalog_overrides.ergwscale_max_circuits "
            "/ ergwscale_fastpath once confirmed for your region",
        ),
    )
}
ERGWSCALE_GBPS_PER_UNIT = Fact(1, ER_SCALE_DOC)
ERGWSCALE_UNITS = Fact((1, 40), ER_SCALE_DOC)
ERGWSCALE_UNAVAILABLE_REGIONS = Fact(
    frozenset({"westeurope", "southeastasia", "eastus2", "southcentralus", "westus2"}),
    ER_SCALE_DOC + " (late 2025)", Status.UNVERIFIED, note="availability changes; re-check per region",
)
CIRCUITS_PER_VNET = Fact(16, ER_LIMITS_DOC)
CIRCUITS_PER_PEERING_LOCATION_PER_VNET = Fact(4, ER_LIMITS_DOC)
GATEWAY_SUBNET_MIN_PREFIX = Fact(27, ER_GW_DOC)
GATEWAY_SUBNET_PREFIX_FOR_16_CIRCUITS = Fact(26, ER_GW_DOC)

# In-place gateway resizes Azure supports; anything else is delete-and-recreate
# (hashicorp/terraform-provider-azurerm#20007; ErGwScale->Standard fails in place, PR #31628 there).
GATEWAY_IN_PLACE_RESIZES = Fact(
    frozenset({
        ("Standard", "HighPerformance"), ("HighPerformance", "UltraPerformance"),
        ("Standard", "UltraPerformance"), ("ErGw1AZ", "ErGw2AZ"), ("ErGw2AZ", "ErGw3AZ"),
        ("ErGw1AZ", "ErGw3AZ"), ("HighPerformance", "Standard"), ("ErGw2AZ", "ErGw1AZ"),
    }),
    ER_GW_DOC,
)


def ergwscale_throughput_gbps(units: int) -> float:
    return units * ERGWSCALE_GBPS_PER_UNIT.value


# --------------------------------------------------------------------------------------------
# Entra / Azure RBAC
# --------------------------------------------------------------------------------------------

BUILTIN_ROLES: Mapping[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
}
BUILTIN_ROLES_SOURCE = BUILTIN_ROLES_DOC + " (the IDs are the same in every tenant)"
PRIVILEGED_BUILTIN_ROLES = frozenset(
    {"Owner", "Contributor", "User Access Administrator", "Role Based Access Control Administrator"}
)


# --------------------------------------------------------------------------------------------
# Overrides from a stack file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """The facts one stack sees: the defaults above with that stack's overrides applied."""

    gpu_skus: Mapping[str, GpuSku] = field(default_factory=lambda: dict(GPU_SKUS))
    gateway_skus: Mapping[str, GatewaySku] = field(default_factory=lambda: dict(GATEWAY_SKUS))
    direct_port_gbps: tuple[int, ...] = DIRECT_PORT_GBPS.value
    direct_circuit_gbps_by_port: Mapping[int, tuple[int, ...]] = field(
        default_factory=lambda: dict(DIRECT_CIRCUIT_GBPS_BY_PORT.value)
    )
    ergwscale_unavailable_regions: frozenset[str] = ERGWSCALE_UNAVAILABLE_REGIONS.value
    provider_names: tuple[str, ...] = (LUMEN_PROVIDER_NAME.value, "Level 3 Communications")
    peering_locations: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(PEERING_LOCATIONS))


# Each override: its description, the type it takes, and how it changes the catalog.
OVERRIDES: Mapping[str, str] = {
    "provider_name": "extra ExpressRoute provider name to accept (e.g. 'Lumen Technologies')",
    "direct_port_gbps": "list of ExpressRoute Direct port sizes in Gbps (e.g. [10, 100, 400])",
    "ergwscale_fastpath": "true if ErGwScale gateways support FastPath",
    "ergwscale_max_circuits": "circuits one ErGwScale gateway may connect",
    "ergwscale_unavailable_regions": "regions where ErGwScale is not offered",
    "peering_locations": "extra peering locations: {name: {metro: str, geopolitical_region: str}}",
    "gpu_cpu_sockets": "CPU sockets per VM by SKU for SKUs whose count is unverified: {sku: int}",
}


def with_overrides(overrides: Mapping[str, Any]) -> Catalog:
    """Apply a stack's (already validated) catalog overrides; see spec.CatalogOverrides."""
    if not overrides:
        return DEFAULT
    cat = DEFAULT
    gw = dict(cat.gateway_skus)
    if (v := overrides.get("ergwscale_fastpath")) is not None:
        gw["ErGwScale"] = replace(gw["ErGwScale"], fastpath=bool(v))
    if (v := overrides.get("ergwscale_max_circuits")) is not None:
        gw["ErGwScale"] = replace(gw["ErGwScale"], max_circuits=int(v))
    skus = dict(cat.gpu_skus)
    for sku, sockets in (overrides.get("gpu_cpu_sockets") or {}).items():
        skus[sku] = replace(skus[sku], cpu_sockets=int(sockets))
    ports = tuple(overrides.get("direct_port_gbps") or cat.direct_port_gbps)
    circuits_by_port = dict(cat.direct_circuit_gbps_by_port)
    for p in ports:
        # A port size the docs do not describe gets circuits up to its own size from the 100G ladder.
        circuits_by_port.setdefault(p, tuple(sorted(x for x in {*circuits_by_port[100], p} if x <= p)))
    locations = dict(cat.peering_locations)
    for name, loc in (overrides.get("peering_locations") or {}).items():
        locations[name] = (loc["metro"], loc["geopolitical_region"])
    providers = cat.provider_names
    if (v := overrides.get("provider_name")) is not None:
        providers = (*providers, str(v))
    unavailable = cat.ergwscale_unavailable_regions
    if (v := overrides.get("ergwscale_unavailable_regions")) is not None:
        unavailable = frozenset(v)
    return Catalog(
        gpu_skus=skus, gateway_skus=gw, direct_port_gbps=ports, direct_circuit_gbps_by_port=circuits_by_port,
        ergwscale_unavailable_regions=unavailable, provider_names=providers, peering_locations=locations,
    )


DEFAULT = Catalog()


# --------------------------------------------------------------------------------------------
# Paths between sites: which traffic each path carries (used by infra.capacity.flows)
# --------------------------------------------------------------------------------------------

VNET_CONNECTIVITY_DOC = "articles/expressroute/virtual-network-connectivity-guidance.md"
ER_GATEWAY_HOWTO_DOC = "articles/expressroute/expressroute-howto-add-gateway-portal-resource-manager.md"
GLOBAL_REACH_FAQ_DOC = "includes/expressroute-global-reach-faq-include.md"
VNET_PEERING_DOC = "articles/virtual-network/virtual-network-peering-overview.md"


@dataclass(frozen=True)
class PathRule:
    """Whether VNet-to-VNet traffic between two sites may take a path, and why."""

    path: str
    carries_vnet_to_vnet: bool
    on_carrier_fibre: bool
    modelled: bool
    """Whether the flow model routes demands over it."""
    source: str
    status: Status = Status.VERIFIED
    note: str = ""


PATH_RULES: Mapping[str, PathRule] = {
    r.path: r
    for r in (
        PathRule(
            "carrier", True, True, True,
            ER_FAQ_DOC + " (private peering supports virtual networks; 'How are VNets advertised on ExpressRoute "
            "Private Peering?': the gateway advertises the VNet's address spaces to the circuit)",
            Status.UNVERIFIED,
            note="From Azure's side each end is ordinary VNet <-> on-premises ExpressRoute traffic; between the "
            "two circuits the carrier routes it over its own spans. That the carrier re-advertises one site's "
            "VNet prefixes (AS path with 12076) to another circuit is the carrier's configuration (e.g. AS-path "
            "override), not an Azure fact: confirm it with the carrier.",
        ),
        PathRule(
            "global-reach", False, False, False,
            GLOBAL_REACH_DOC + " ('link ExpressRoute circuits together to make a private network between your "
            "on-premises networks'); " + GLOBAL_REACH_FAQ_DOC + " ('connects your on-premises networks ... "
            "through Microsoft's global network'; not transitive; throughput capped by the smaller circuit)",
            note="Documented for on-premises to on-premises only; Azure documents no VNet-to-VNet traffic over "
            "it, and it runs on Microsoft's backbone, never the carrier's fibre. No demand is routed over it.",
        ),
        PathRule(
            "expressroute-vnet-to-vnet", True, False, False,
            VNET_CONNECTIVITY_DOC + " (VNet to VNet through ExpressRoute works between VNets linked to the same "
            "circuit, is disabled by default and enabled on the gateway, 'Allow traffic from remote virtual "
            "networks' = allowRemoteVnetTraffic, " + ER_GATEWAY_HOWTO_DOC + "; Microsoft doesn't recommend it: the "
            "gateway is a bottleneck and the MSEE hop adds latency); " + ER_FAQ_DOC + " ('VNet-to-VNet "
            "connectivity over ExpressRoute isn't recommended')",
            note="The fabric's VNets link only to their own site's circuits, so this path does not join two "
            "sites; the gateways' allowRemoteVnetTraffic (components/interconnect.py) is left as it is.",
        ),
        PathRule(
            "global-vnet-peering", True, False, False,
            VNET_PEERING_DOC + " (peering connects VNets, across regions as global VNet peering, over the "
            "Microsoft backbone, not through a gateway; no bandwidth limit beyond the VMs') and "
            + VNET_CONNECTIVITY_DOC + " (the recommended VNet-to-VNet path)",
            note="Holds, but the fabric declares no VNet peering between sites, so it is not modelled; a demand "
            "with path: carrier could never take it (it leaves the carrier's fibre).",
        ),
    )
}
