"""Azure facts the fabric depends on: GPU sizes, ExpressRoute ladders, gateway SKUs, limits, role IDs.

Every fact carries its source. Facts that the sources contradict, or that nobody here has verified,
are marked so, and only those can be overridden from a stack file (``ai-fabric:catalog_overrides``);
a verified fact changes here, with its new source, or not at all. Re-check against the live
documentation or ``az`` before a real deployment: limits change.

Sources are paths in MicrosoftDocs/azure-docs (or azure-compute-docs) unless they say otherwise;
the collected notes are in docs/azure-facts.md.
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
    image_version: str | None = None
    """A pinned marketplace image version known to exist for (offer, sku), the default of a cluster's
    image_version; None: no version is known here and every cluster must pin its own."""
    rack_vms: int = 1
    """VMs that make one indivisible unit: an NVL72 rack is 18 GB200 VMs; everything else is 1."""
    source: str = SIZES_DOC
    status: Status = Status.VERIFIED
    note: str = ""

    @property
    def ib_gbps_per_vm(self) -> int:
        return self.ib_links_per_vm * self.ib_gbps_per_link


# Image versions seen in public deployment commands for these sizes; whether Azure still offers them is
# unverified (list with `az vm image list --publisher microsoft-dsvm --offer ubuntu-hpc --sku <sku> --all`).
_HPC_UBUNTU = ("ubuntu-hpc", "2204", "22.04.2024102301")
_HPC_UBUNTU_ROCM = ("ubuntu-hpc", "2204-rocm", "22.04.2025030701")
IMAGE_VERSIONS_SOURCE = Fact(
    {"2204": "22.04.2024102301", "2204-rocm": "22.04.2025030701"},
    "public deployment commands using microsoft-dsvm:ubuntu-hpc:<sku>:<version> for ND H100 v5 and ND MI300X "
    "v5 (GitHub code search, 2024-2025)", Status.UNVERIFIED,
    note="older versions are retired from the marketplace over time; pin a current one per cluster",
)

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
            4, 400, "ubuntu-hpc", "2204-arm64", None, rack_vms=18,
            status=Status.CONTRADICTORY,
            note="network table says 1.8 TBps, which does not match 4 x 400 Gb/s = 1.6 Tb/s; the "
            "catalog uses the per-link figure. One NVL72 rack is 18 VMs.",
        ),
        GpuSku(
            "Standard_ND96isr_MI300X_v5", "ND MI300X v5", "MI300X", 8, 192, 96, 2, "Intel Xeon (Sapphire Rapids)",
            8, 400, *_HPC_UBUNTU_ROCM,
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

METRO_DOC = "articles/expressroute/metro.md"


@dataclass(frozen=True)
class MetroLocation:
    """An ExpressRoute Metro peering location: one name that Azure lists as a peering location of its own,
    dual-homed to two peering sites of one city. A circuit (or Direct port) there survives the loss of
    either site, so it is location-redundant on its own."""

    name: str
    sites: tuple[str, str]
    city: str
    geopolitical_region: str
    source: str = METRO_DOC + " (ms.date 2024-06-03, preview)"
    status: Status = Status.VERIFIED
    note: str = ""


METRO_LOCATIONS: Mapping[str, MetroLocation] = {
    m.name: m
    for m in (
        MetroLocation("Amsterdam Metro", ("Amsterdam", "Amsterdam2"), "Amsterdam", "Europe"),
        MetroLocation("Singapore Metro", ("Singapore", "Singapore2"), "Singapore", "Asia Pacific"),
        MetroLocation("Zurich Metro", ("Zurich", "Zurich2"), "Zurich", "Europe"),
        *(
            MetroLocation(
                f"{city} Metro", (city, f"{city}2"), city, "North America",
                source="learn.microsoft.com/ja-jp/azure/expressroute/expressroute-locations-providers (2026 "
                "localized page; the English metro.md of 2024 lists only Amsterdam, Singapore and Zurich)",
                status=Status.UNVERIFIED,
                note="site pairing assumed from Azure's City/City2 naming convention (metro.md)",
            )
            for city in ("Atlanta", "Chicago", "Dallas", "New York", "Silicon Valley", "Toronto", "Washington DC")
        ),
    )
}
METRO_PROVIDERS_NOTE = (
    "metro.md lists Colt, Console Connect, Digital Realty, Equinix, euNetworks and Megaport as Metro service "
    "providers (2024); CenturyLink Cloud Connect (Lumen) is not listed: confirm with the provider before ordering"
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
# Deployment rules Azure documents: zones, locks, images, subscription prerequisites
# --------------------------------------------------------------------------------------------

REGIONS_DOC = "articles/reliability/regions-list.md"
ZONAL_REGIONS = Fact(
    frozenset({
        "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus",
        "eastus2", "francecentral", "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth",
        "japaneast", "japanwest", "koreacentral", "mexicocentral", "newzealandnorth", "northeurope",
        "norwayeast", "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia",
        "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2",
        "westus3",
    }),
    REGIONS_DOC + " (ms.date 2025-03-21, commit 04495fc0): regions with availability zone support",
    note="new regions gain zones over time; a region missing here is treated as without zones",
)

ZONE_REDUNDANT_GATEWAY_DOC = "articles/vpn-gateway/about-zone-redundant-vnet-gateways.md"
ZONE_REDUNDANT_ZONES = Fact(
    ("1", "2", "3"),
    ZONE_REDUNDANT_GATEWAY_DOC + "; articles/virtual-network/ip-services/create-public-ip-template.md "
    "(a zone-redundant Standard public IP lists zones 1, 2 and 3); Azure update 'Upcoming changes to Standard "
    "Public IPs' (2020-08-31): from API 2020-08-01 a Standard IP with no zones is non-zonal, and a "
    "zone-redundant one can only be created in a region with availability zones",
    note="an AZ gateway SKU (ErGw1AZ-ErGw3AZ, ErGwScale) takes its zones from its public IP; AVM and the "
    "landing-zone modules default the gateway IP to zones 1, 2, 3",
)

LOCKS_DOC = "articles/azure-resource-manager/management/lock-resources.md"
LOCK_LEVEL = Fact(
    "CanNotDelete", LOCKS_DOC,
    note="read and modify stay allowed, delete is refused, for every principal and every tool (portal, CLI, "
    "IaC); a lock applies to child resources too (a circuit's peerings and Global Reach connections). "
    "Creating or deleting a lock needs Microsoft.Authorization/locks/* (Owner or User Access Administrator)",
)
LOCKED_RESOURCES_SOURCE = (
    LOCKS_DOC + "; Azure Well-Architected Framework, ExpressRoute service guide (resource locks on circuits "
    "and gateways); every AVM network module exposes a `lock` input (AVM shared interface 'Resource Locks')"
)

IMAGE_VERSION_DOC = "articles/virtual-machines/linux/cli-ps-findimage.md"
IMAGE_VERSION_PATTERN = Fact(
    r"^\d+\.\d+\.\d+$", IMAGE_VERSION_DOC,
    note="marketplace image versions are Major.Minor.Patch (e.g. 22.04.2024102301); 'latest' resolves anew at "
    "every reimage or scale-out, silently changing the GPU driver, NCCL and InfiniBand stack",
)


@dataclass(frozen=True)
class SubscriptionFeature:
    """A preview feature or registration a subscription needs before a resource type deploys."""

    namespace: str
    feature: str
    needed_for: str
    source: str

    @property
    def command(self) -> str:
        return f"az feature register --namespace {self.namespace} --name {self.feature}"


ENCRYPTION_AT_HOST_FEATURE = SubscriptionFeature(
    "Microsoft.Compute", "EncryptionAtHost",
    "scale sets with securityProfile.encryptionAtHost (every GPU cluster)",
    "articles/virtual-machines/linux/disks-enable-host-based-encryption-cli.md (Prerequisites: register the "
    "EncryptionAtHost feature, then `az provider register --namespace Microsoft.Compute`)",
)
EXPRESSROUTE_PORTS_FEATURE = SubscriptionFeature(
    "Microsoft.Network", "AllowExpressRoutePorts",
    "ExpressRoute Direct ports",
    ER_DIRECT_DOC + "; articles/expressroute/expressroute-howto-erdirect.md (enroll the subscription)",
)


# --------------------------------------------------------------------------------------------
# Day two: monitoring, MACsec, circuit authorizations, scale-set stability (infra/observability,
# components/observability.py, infra/invariants/operations.py)
# --------------------------------------------------------------------------------------------

SUPPORTED_METRICS_DOC = "articles/azure-monitor/reference/supported-metrics/"
SUPPORTED_LOGS_DOC = "articles/azure-monitor/reference/supported-logs/"
ER_MONITOR_DOC = "articles/expressroute/monitor-expressroute-reference.md"


@dataclass(frozen=True)
class MetricFact:
    """A platform metric Azure Monitor publishes for a resource type, under its REST API name."""

    name: str
    """The metric's name in the REST API (what a metric alert names), e.g. 'BgpAvailability'."""
    unit: str
    aggregation: str
    """The aggregation the alert evaluates (one Azure lists for the metric)."""
    dimensions: tuple[str, ...]
    source: str
    status: Status = Status.VERIFIED
    note: str = ""


_CIRCUIT_METRICS_SOURCE = (
    SUPPORTED_METRICS_DOC + "microsoft-network-expressroutecircuits-metrics.md (generated from Azure's API, "
    "ms.date 2024-07-30 and 2025-04-16); " + ER_MONITOR_DOC
)
_GATEWAY_METRICS_SOURCE = (
    SUPPORTED_METRICS_DOC + "microsoft-network-virtualnetworkgateways-metrics.md (generated from Azure's API, "
    "ms.date 2024-03-26 and 2025-04-16); " + ER_MONITOR_DOC + " (virtual network gateway metrics)"
)
_PORT_METRICS_SOURCE = (
    SUPPORTED_METRICS_DOC + "microsoft-network-expressrouteports-metrics.md (ms.date 2024-07-30); " + ER_MONITOR_DOC
)

METRICS: Mapping[str, MetricFact] = {
    m.name: m
    for m in (
        MetricFact("BgpAvailability", "Percent", "Average", ("PeeringType", "Peer"), _CIRCUIT_METRICS_SOURCE,
                   note="BGP (layer 3) availability from the Microsoft edge towards each peer (primary, secondary) "
                   "of each peering; per-minute grain (PT1M)"),
        MetricFact("ArpAvailability", "Percent", "Average", ("PeeringType", "Peer"), _CIRCUIT_METRICS_SOURCE,
                   note="ARP (layer 2) availability per peering and peer; PT1M"),
        MetricFact("BitsInPerSecond", "BitsPerSecond", "Average", ("PeeringType", "DeviceRole"), _CIRCUIT_METRICS_SOURCE,
                   note="bits ingressing Azure per second on the circuit"),
        MetricFact("BitsOutPerSecond", "BitsPerSecond", "Average", ("PeeringType", "DeviceRole"),
                   _CIRCUIT_METRICS_SOURCE, note="bits egressing Azure per second on the circuit"),
        MetricFact("ExpressRouteGatewayCpuUtilization", "Percent", "Average", ("roleInstance",),
                   _GATEWAY_METRICS_SOURCE, note="CPU of each gateway instance"),
        MetricFact("ExpressRouteGatewayBitsPerSecond", "BitsPerSecond", "Average", ("roleInstance",),
                   _GATEWAY_METRICS_SOURCE, status=Status.UNVERIFIED,
                   note="'Total bits received on ExpressRoute gateway per second', split by instance. How Azure "
                   "aggregates the instances when the alert does not split them is not documented; the alert "
                   "assumes the unsplit value is the gateway's total"),
        MetricFact("ScalableExpressRouteGatewayCpuUtilization", "Percent", "Average", (), _GATEWAY_METRICS_SOURCE,
                   status=Status.UNVERIFIED,
                   note="listed without dimensions beside the ExpressRouteGateway* metrics; that it is what an "
                   "ErGwScale gateway emits is inferred from its name"),
        MetricFact("ScalableExpressRouteGatewayBitsPerSecond", "BitsPerSecond", "Average", (),
                   _GATEWAY_METRICS_SOURCE, status=Status.UNVERIFIED,
                   note="as ScalableExpressRouteGatewayCpuUtilization: ErGwScale by its name, the gateway's total"),
        MetricFact("LineProtocol", "Count", "Average", ("Link",), _PORT_METRICS_SOURCE,
                   note="line protocol of each physical link of a Direct port pair: 1 up, 0 down"),
    )
}
"""Metric name -> what Azure publishes for it. Circuit metrics are on Microsoft.Network/expressRouteCircuits,
gateway metrics on Microsoft.Network/virtualNetworkGateways, LineProtocol on Microsoft.Network/expressRoutePorts."""

METRIC_NAMESPACES: Mapping[str, str] = {
    "circuit": "Microsoft.Network/expressRouteCircuits",
    "gateway": "Microsoft.Network/virtualNetworkGateways",
    "port": "Microsoft.Network/expressRoutePorts",
    "connection": "Microsoft.Network/connections",
}

DIAGNOSTIC_LOG_CATEGORIES = Fact(
    {
        "circuit": ("PeeringRouteLog",),
        "gateway": ("GatewayDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog", "RouteDiagnosticLog",
                    "TunnelDiagnosticLog"),
        "port": (),
        "connection": (),
    },
    SUPPORTED_LOGS_DOC + "microsoft-network-expressroutecircuits-logs.md (PeeringRouteLog); "
    + SUPPORTED_LOGS_DOC + "microsoft-network-virtualnetworkgateways-logs.md (ms.date 2025-04-16: the five "
    "categories, none billed for export); no supported-logs page exists for expressRoutePorts or connections, "
    "which publish metrics only (" + ER_MONITOR_DOC + ")",
    note="every resource type also sends its platform metrics through the 'AllMetrics' category",
)
ALL_METRICS_CATEGORY = "AllMetrics"

METRIC_ALERT_DOC = "articles/azure-monitor/alerts/alerts-metric-overview.md; REST spec metricAlert_API.json 2018-03-01"
METRIC_ALERT_RULES = Fact(
    {"location": "global", "criteria": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
     "evaluation_frequency": "PT1M", "window_size": "PT5M", "severities": (0, 1, 2, 3, 4)},
    METRIC_ALERT_DOC,
    note="a rule on one resource uses single-resource criteria (AND of its conditions: one condition per rule "
    "here, so each alert means one thing); severity 0 (critical) to 4 (verbose); a dimension value '*' splits "
    "the rule so that each time series (peering, peer, link) is judged on its own",
)
ACTION_GROUP_SHORT_NAME_MAX = Fact(12, "REST spec actionGroups_API.json 2024-10-01-preview (groupShortName maxLength 12)")
ACTION_GROUP_LOCATION = Fact("Global", "articles/azure-monitor/alerts/action-groups.md (action groups are global)")

LOG_ANALYTICS_DOC = "articles/azure-monitor/logs/data-retention-configure.md"
LOG_ANALYTICS_RETENTION_DAYS = Fact(
    (30, 730), LOG_ANALYTICS_DOC + "; REST spec Workspaces.json 2023-09-01 (retentionInDays)",
    note="interactive retention of a workspace on the PerGB2018 plan: 30 days to 2 years",
)
LOG_ANALYTICS_SKU = Fact("PerGB2018", "articles/azure-monitor/logs/cost-logs.md (pay-as-you-go pricing tier)")

# ExpressRoute Direct and MACsec -------------------------------------------------------------------

ER_DIRECT_LOCATIONS = Fact(
    frozenset({"Amsterdam2", "Chicago", "Dublin", "Frankfurt", "Hong Kong", "Las Vegas", "London2", "New York",
               "Paris", "San Antonio", "Silicon Valley", "Tokyo", "Toronto", "Washington DC"}),
    LOCATIONS_DOC + " (ms.date 2026-04-28, commit 00349682: 'ER Direct' column; Washington DC2 is marked "
    "without ExpressRoute Direct)",
    note="only the catalog's peering locations are listed; the port sizes in stock at a location are not in the "
    "docs: check with `az network express-route port location show --location <location>` before ordering",
)
ER_DIRECT_NO_DIRECT = Fact(frozenset({"Washington DC2"}), ER_DIRECT_LOCATIONS.source)

MACSEC_DOC = "articles/expressroute/expressroute-howto-macsec.md"
MACSEC_CIPHERS = Fact(
    ("GcmAes128", "GcmAes256", "GcmAesXpn128", "GcmAesXpn256"),
    MACSEC_DOC + " (ms.date 2022-12-27); REST spec expressRoutePort.json 2024-05-01 (ExpressRouteLinkMacSecCipher)",
    note="the doc recommends the XPN ciphers 'to avoid intermittent session drops observed with non-xpn ciphers "
    "on high speed links'",
)
MACSEC_KEY_HEX_DIGITS = Fact(
    {"ckn_max": 64, "cak": {"GcmAes128": 32, "GcmAesXpn128": 32, "GcmAes256": 64, "GcmAesXpn256": 64}},
    MACSEC_DOC + " ('CKN must be an even-length string up to 64 hexadecimal digits'; the CAK has 32 hex digits for "
    "the 128-bit ciphers and 64 for the 256-bit ones)",
)
MACSEC_KEY_VAULT = Fact(
    {"secret_permissions": ("get",), "soft_delete": True, "public_network_access": "Enabled",
     "trusted_service_bypass": "AzureServices"},
    MACSEC_DOC + ": the CAK and CKN are Key Vault secrets; a user-assigned identity on the port gets the GET "
    "permission on secrets through a Key Vault access policy (Set-AzKeyVaultAccessPolicy -PermissionsToSecrets "
    "get); soft delete must be on; 'The Key Vault shouldn't be behind a private endpoint'; 'ExpressRoute is a "
    "Trusted Service ... that supports Network Security policies within the Azure Key Vault'",
    note="the doc grants access with an access policy, so the vault uses access policies (not Azure RBAC); the "
    "secret identifiers are the secrets' versioned URIs, so a new key version is applied by a port update. Not "
    "verified here: that the vault firewall (default Deny, trusted services allowed) leaves the program's secret "
    "writes alone because they go through ARM, the control plane (articles/key-vault/general/network-security.md "
    "is the place to check); if a deployment is refused, set the vault's default action to Allow",
)
KEY_VAULT_RECOVERY_DOC = "articles/key-vault/general/key-vault-recovery.md; articles/key-vault/general/soft-delete-overview.md"
KEY_VAULT_SOFT_DELETE_DAYS = Fact(
    (7, 90), KEY_VAULT_RECOVERY_DOC,
    note="set at creation only; the vault's name stays taken until the retention period ends",
)

# Sharing circuits ---------------------------------------------------------------------------------

ER_AUTHORIZATION_DOC = "articles/expressroute/expressroute-howto-linkvnet-portal-resource-manager.md"
CIRCUIT_AUTHORIZATIONS = Fact(
    {"connections_per_authorization": 1},
    ER_AUTHORIZATION_DOC + " ('An authorization is valid for only one connection'; 'Circuit users can redeem "
    "authorizations (one authorization per virtual network)'; 'Revoking an authorization results in all link "
    "connections being deleted from the subscription whose access was revoked')",
    note="each redeemed authorization is one VNet link of the circuit, within VNET_LINKS_PER_CIRCUIT_STANDARD",
)

# GPU scale sets on day two ---------------------------------------------------------------------------

NOT_FOUND_DOC = "articles/azure-resource-manager/troubleshooting/error-not-found.md"
NOT_FOUND_CODES = Fact(
    ("ResourceNotFound", "ResourceGroupNotFound"), NOT_FOUND_DOC,
    note="what ARM answers for a resource (or its resource group) that does not exist; any other failure of the "
    "live read (SubscriptionNotFound, AuthorizationFailed, a timeout) stops the program instead of guessing a VM "
    "count",
)
STALE_CAPACITY_SOURCE = (
    "Azure/vm-scale-sets#70 (a re-apply resets a scale set's capacity); kubernetes-sigs/cloud-provider-azure#630 "
    "('set vmss.Sku can cause capacity change': an update that carries a cached sku reverts the live count); "
    "hashicorp/terraform-provider-azurerm#1341 (ignore_changes on capacity)"
)
SCALE_IN_POLICY_DOC = "articles/virtual-machine-scale-sets/virtual-machine-scale-sets-scale-in-policy.md"
GPU_SCALE_IN_RULE = Fact(
    "NewestVM", SCALE_IN_POLICY_DOC,
    note="when a scale set does scale in, the newest VMs go first: replacements not yet in a training job, "
    "rather than the lowest-numbered nodes Default balancing would pick",
)
AUTOMATIC_REPAIRS_DOC = "articles/virtual-machine-scale-sets/virtual-machine-scale-sets-automatic-instance-repairs.md"
AUTOMATIC_REPAIRS = Fact(
    {"enabled": False},
    AUTOMATIC_REPAIRS_DOC + " (ms.date 2026-05-19): needs an Application Health extension or load-balancer probe "
    "endpoint; the default action Replace deletes the VM and creates a new one (no local disk, new private IP); "
    "repairs run in batches of up to 5% of the scale set; protected instances are never repaired",
    note="left off: the fabric ships no health endpoint (without one every instance would be 'Unhealthy' and "
    "replaced), and a replace mid-job costs the job. With it off, nothing in Azure changes a scale set's count "
    "behind the program's back except operators, whose count the program keeps",
)
CAPACITY_RESERVATION_DOC = "articles/virtual-machines/capacity-reservation-overview.md (azure-compute-docs)"
CAPACITY_RESERVATION_UNSUPPORTED = Fact(
    {"vm_series": ("ND-series", "NCads H100 v5-series", "Hb-series", "Hc-series"),
     "constraints": ("proximity placement group", "scale sets with singlePlacementGroup true")},
    CAPACITY_RESERVATION_DOC + " (ms.date 2026-02-17, 'Limitations and restrictions': 'Support for other VM "
    "series isn't currently available: ... ND-series'; unsupported deployment constraints: 'Proximity placement "
    "group', 'Virtual Machine Scale Sets with single placement group set to true')",
    note="every GPU cluster here is ND-series in a proximity placement group with single-placement-group scale "
    "sets (one InfiniBand fabric each), so on-demand capacity reservations cannot hold its capacity",
)


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
# What Azure cannot change in place (read by infra.review for `fabric plan --against`)
# --------------------------------------------------------------------------------------------

AZURERM_DOCS = "hashicorp/terraform-provider-azurerm website/docs/r/"
"""The azurerm provider documents, per argument, "Changing this forces a new resource to be created":
its authors' record of what the Azure API refuses to update."""
VMSS_MODIFY_DOC = "articles/virtual-machine-scale-sets/virtual-machine-scale-sets-upgrade-scale-set.md"
ER_CIRCUIT_MODIFY_DOC = "articles/expressroute/expressroute-howto-circuit-portal-resource-manager.md"


class InPlace(enum.Enum):
    """What Azure does when a property changes on an existing resource."""

    REPLACE = "replace"
    """Azure refuses the update: the resource is deleted and created again (a new resource)."""
    RESTART = "restart"
    """Azure updates in place, but every VM restarts (reallocated onto the new setting)."""


class When(enum.Enum):
    """Which changes of the property the fact covers."""

    CHANGED = "changed"
    """Any change, setting or unsetting included."""
    LOWERED = "lowered"
    """A number going down; going up is an ordinary update."""
    TRANSITION = "transition"
    """Exactly the (before, after) pairs in `transitions`."""
    NOT_LISTED = "not-listed"
    """Any change except the (before, after) pairs in `transitions`, which Azure does in place."""


@dataclass(frozen=True)
class FixedProperty:
    """An input of a resource type that Azure cannot change in place (or only by restarting its VMs).

    `path` is the input's wire path, dotted; `*` stands for every item of a list
    ('ipConfigurations.*.subnet.id'). `type` '*' means every Azure resource type.
    """

    type: str
    path: str
    effect: InPlace
    source: str
    what: str
    """How a message names the property, e.g. 'peering location'."""
    when: When = When.CHANGED
    transitions: frozenset[tuple[Any, Any]] = frozenset()
    status: Status = Status.VERIFIED
    note: str = ""


_CIRCUIT = "azure-native:network:ExpressRouteCircuit"
_PORT = "azure-native:network:ExpressRoutePort"
_GATEWAY = "azure-native:network:VirtualNetworkGateway"
_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
_PUBLIC_IP = "azure-native:network:PublicIPAddress"
_SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
_PIM_ELIGIBILITY = "azure-native:authorization:PimRoleEligibilitySchedule"
_KEY_VAULT = "azure-native:keyvault:Vault"

FIXED_PROPERTIES: tuple[FixedProperty, ...] = (
    FixedProperty(
        "*", "location", InPlace.REPLACE, AZURERM_DOCS + "* ('location ... Changing this forces a new resource')",
        "location", note="a resource's region is fixed at creation; moving regions re-creates it",
    ),
    # ExpressRoute circuits: the carrier provisions a circuit at one location, for one provider.
    FixedProperty(
        _CIRCUIT, "serviceProviderProperties.peeringLocation", InPlace.REPLACE,
        AZURERM_DOCS + "express_route_circuit.html.markdown (peering_location forces a new resource)",
        "peering location",
    ),
    FixedProperty(
        _CIRCUIT, "serviceProviderProperties.serviceProviderName", InPlace.REPLACE,
        AZURERM_DOCS + "express_route_circuit.html.markdown (service_provider_name forces a new resource)",
        "provider",
    ),
    FixedProperty(
        _CIRCUIT, "expressRoutePort.id", InPlace.REPLACE,
        AZURERM_DOCS + "express_route_circuit.html.markdown (express_route_port_id forces a new resource)",
        "ExpressRoute Direct port",
    ),
    FixedProperty(
        _CIRCUIT, "serviceProviderProperties.bandwidthInMbps", InPlace.REPLACE,
        ER_CIRCUIT_MODIFY_DOC + " ('You cannot reduce the bandwidth of an ExpressRoute circuit without "
        "disruption ... deprovision ... and then reprovision'); hashicorp/terraform-provider-azurerm#3983",
        "bandwidth", When.LOWERED,
    ),
    FixedProperty(
        _CIRCUIT, "bandwidthInGbps", InPlace.REPLACE, ER_CIRCUIT_MODIFY_DOC, "bandwidth", When.LOWERED,
        status=Status.UNVERIFIED,
        note="the docs state it for circuits in general; assumed to hold for circuits on a Direct port too",
    ),
    FixedProperty(
        _CIRCUIT, "sku.family", InPlace.REPLACE,
        AZURERM_DOCS + "express_route_circuit.html.markdown ('You can migrate from MeteredData to "
        "UnlimitedData, but not the other way around')",
        "billing family", When.TRANSITION, frozenset({("UnlimitedData", "MeteredData")}),
    ),
    # ExpressRoute Direct ports: a physical port pair at one location.
    FixedProperty(_PORT, "peeringLocation", InPlace.REPLACE,
                  AZURERM_DOCS + "express_route_port.html.markdown", "peering location"),
    FixedProperty(_PORT, "bandwidthInGbps", InPlace.REPLACE,
                  AZURERM_DOCS + "express_route_port.html.markdown", "port size"),
    FixedProperty(_PORT, "encapsulation", InPlace.REPLACE,
                  AZURERM_DOCS + "express_route_port.html.markdown", "encapsulation"),
    # Gateways and their connections.
    FixedProperty(
        _GATEWAY, "sku.name", InPlace.REPLACE,
        ER_GW_DOC + " (in-place resizes); hashicorp/terraform-provider-azurerm#20007 and PR #31628",
        "gateway SKU", When.NOT_LISTED, GATEWAY_IN_PLACE_RESIZES.value,
    ),
    FixedProperty(_GATEWAY, "gatewayType", InPlace.REPLACE,
                  AZURERM_DOCS + "virtual_network_gateway.html.markdown (type forces a new resource)", "gateway type"),
    FixedProperty(
        _GATEWAY, "ipConfigurations.*.subnet.id", InPlace.REPLACE, ER_GW_DOC + " (gateway VMs live in the "
        "VNet's GatewaySubnet, one gateway per VNet)", "GatewaySubnet", status=Status.UNVERIFIED,
        note="no source states that Azure refuses to move a gateway to another subnet; azurerm does not "
        "force a new resource for it. Treated as a replacement: the subnet is the gateway's VNet",
    ),
    FixedProperty(
        _CONNECTION, "virtualNetworkGateway1.id", InPlace.REPLACE,
        AZURERM_DOCS + "virtual_network_gateway_connection.html.markdown (virtual_network_gateway_id "
        "forces a new resource)", "gateway",
    ),
    FixedProperty(
        _CONNECTION, "connectionType", InPlace.REPLACE,
        AZURERM_DOCS + "virtual_network_gateway_connection.html.markdown (type forces a new resource)",
        "connection type",
    ),
    # Public IPs.
    FixedProperty(_PUBLIC_IP, "sku.name", InPlace.REPLACE,
                  AZURERM_DOCS + "public_ip.html.markdown (sku forces a new resource)", "SKU"),
    FixedProperty(_PUBLIC_IP, "sku.tier", InPlace.REPLACE,
                  AZURERM_DOCS + "public_ip.html.markdown (sku_tier forces a new resource)", "SKU tier"),
    FixedProperty(
        _PUBLIC_IP, "zones", InPlace.REPLACE,
        "articles/virtual-network/ip-services/public-ip-addresses.md ('A public IP's availability zone can't "
        "be changed after the public IP's creation')", "zones",
    ),
    FixedProperty(_PUBLIC_IP, "publicIPAddressVersion", InPlace.REPLACE,
                  AZURERM_DOCS + "public_ip.html.markdown (ip_version forces a new resource)", "IP version"),
    # Scale sets.
    FixedProperty(
        _SCALE_SET, "orchestrationMode", InPlace.REPLACE,
        "articles/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes.md ('defined when "
        "you create the scale set and cannot be changed or updated later')", "orchestration mode",
    ),
    FixedProperty(
        _SCALE_SET, "zones", InPlace.REPLACE, VMSS_MODIFY_DOC + " (create-time properties: Availability Zones)",
        "zones", status=Status.CONTRADICTORY,
        note="azurerm (linux_virtual_machine_scale_set.html.markdown) forces a new scale set only when a zone "
        "is removed, as newer API versions may add zones; any change is treated as a replacement",
    ),
    FixedProperty(
        _SCALE_SET, "singlePlacementGroup", InPlace.REPLACE,
        VMSS_MODIFY_DOC + " ('if singlePlacementGroup is false, it may not be modified to true'; the REST "
        "spec's VirtualMachineScaleSetProperties says the same)",
        "single placement group", When.TRANSITION, frozenset({(False, True), (None, True)}),
    ),
    FixedProperty(
        _SCALE_SET, "platformFaultDomainCount", InPlace.REPLACE,
        AZURERM_DOCS + "linux_virtual_machine_scale_set.html.markdown (platform_fault_domain_count forces a "
        "new resource)", "fault domain count",
    ),
    FixedProperty(
        _SCALE_SET, "proximityPlacementGroup.id", InPlace.REPLACE,
        AZURERM_DOCS + "linux_virtual_machine_scale_set.html.markdown (proximity_placement_group_id forces a "
        "new resource)", "proximity placement group",
    ),
    FixedProperty(
        _SCALE_SET, "virtualMachineProfile.storageProfile.imageReference.publisher", InPlace.REPLACE,
        VMSS_MODIFY_DOC + " (create-time properties: image reference publisher)", "image publisher",
    ),
    FixedProperty(
        _SCALE_SET, "virtualMachineProfile.storageProfile.imageReference.offer", InPlace.REPLACE,
        VMSS_MODIFY_DOC + " (create-time properties: image reference offer)", "image offer",
    ),
    FixedProperty(
        _SCALE_SET, "virtualMachineProfile.storageProfile.osDisk.managedDisk.storageAccountType",
        InPlace.REPLACE, VMSS_MODIFY_DOC + " (create-time properties: managed OS disk storage account type)",
        "OS disk storage type",
    ),
    FixedProperty(
        _SCALE_SET, "virtualMachineProfile.osProfile.adminUsername", InPlace.REPLACE,
        AZURERM_DOCS + "linux_virtual_machine_scale_set.html.markdown (admin_username forces a new resource)",
        "admin username",
    ),
    FixedProperty(
        _SCALE_SET, "virtualMachineProfile.osProfile.computerNamePrefix", InPlace.REPLACE,
        AZURERM_DOCS + "linux_virtual_machine_scale_set.html.markdown (computer_name_prefix forces a new "
        "resource)", "computer name prefix",
    ),
    FixedProperty(
        _SCALE_SET, "sku.name", InPlace.RESTART,
        VMSS_MODIFY_DOC + " (properties that require deallocation to change: SKU name); "
        "articles/virtual-machines/resize-vm.md (a running VM restarts when resized)", "VM size",
        note="a new GPU generation is other hardware, so the whole scale set is deallocated first",
    ),
    # Role assignments and PIM eligibility: Azure updates neither in place.
    *(
        FixedProperty(
            _ROLE_ASSIGNMENT, path, InPlace.REPLACE,
            AZURERM_DOCS + "role_assignment.html.markdown (scope, role_definition_id, principal_id force a new "
            "resource); ARM answers RoleAssignmentUpdateNotPermitted ('Tenant ID, application ID, principal "
            "ID, and scope are not allowed to be updated')", what,
        )
        for path, what in (("scope", "scope"), ("principalId", "principal"), ("roleDefinitionId", "role"))
    ),
    *(
        FixedProperty(
            _PIM_ELIGIBILITY, path, InPlace.REPLACE,
            "articles/role-based-access-control/ (an eligibility schedule request is created, never updated)",
            what, status=Status.UNVERIFIED,
            note="PIM eligibility is requested per scope, principal and role; a different one is a new request",
        )
        for path, what in (("scope", "scope"), ("principalId", "principal"), ("roleDefinitionId", "role"))
    ),
    # Key Vault of the MACsec keys: purge protection is one-way and the soft-delete retention is fixed.
    FixedProperty(
        _KEY_VAULT, "properties.enablePurgeProtection", InPlace.REPLACE,
        KEY_VAULT_RECOVERY_DOC + " ('When purge protection is enabled, it cannot be disabled or overridden by anyone "
        "including Microsoft')", "purge protection", When.TRANSITION, frozenset({(True, False), (True, None)}),
        note="Azure refuses the change; the vault would have to be deleted, and its name stays taken until the "
        "soft-delete retention ends",
    ),
    FixedProperty(
        _KEY_VAULT, "properties.softDeleteRetentionInDays", InPlace.REPLACE,
        KEY_VAULT_RECOVERY_DOC + " (the retention period is set when the vault is created)", "soft-delete retention",
    ),
)


def fixed_properties_of(resource_type: str) -> tuple[FixedProperty, ...]:
    """The rows that apply to a resource type: its own and those for every type."""
    return tuple(p for p in FIXED_PROPERTIES if p.type in (resource_type, "*"))


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
    peering_locations: Mapping[str, tuple[str, str]] = field(default_factory=lambda: {
        **PEERING_LOCATIONS, **{m.name: (m.city, m.geopolitical_region) for m in METRO_LOCATIONS.values()},
    })
    """Peering location -> (city, geopolitical region), Metro locations included."""
    metro_sites: Mapping[str, tuple[str, str]] = field(
        default_factory=lambda: {m.name: m.sites for m in METRO_LOCATIONS.values()}
    )
    """ExpressRoute Metro location -> its two peering sites."""

    def is_metro(self, location: str) -> bool:
        """Whether a peering location is an ExpressRoute Metro location (dual-homed to two sites)."""
        return location in self.metro_sites


# Each override: its description, the type it takes, and how it changes the catalog.
OVERRIDES: Mapping[str, str] = {
    "provider_name": "extra ExpressRoute provider name to accept (e.g. 'Lumen Technologies')",
    "direct_port_gbps": "list of ExpressRoute Direct port sizes in Gbps (e.g. [10, 100, 400])",
    "ergwscale_fastpath": "true if ErGwScale gateways support FastPath",
    "ergwscale_max_circuits": "circuits one ErGwScale gateway may connect",
    "ergwscale_unavailable_regions": "regions where ErGwScale is not offered",
    "peering_locations": "extra peering locations: {name: {metro: str, geopolitical_region: str, metro_sites: "
    "[site, site] for an ExpressRoute Metro location}}",
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
    metro_sites = dict(cat.metro_sites)
    for name, loc in (overrides.get("peering_locations") or {}).items():
        locations[name] = (loc["metro"], loc["geopolitical_region"])
        if loc.get("metro_sites"):
            metro_sites[name] = tuple(loc["metro_sites"])
    providers = cat.provider_names
    if (v := overrides.get("provider_name")) is not None:
        providers = (*providers, str(v))
    unavailable = cat.ergwscale_unavailable_regions
    if (v := overrides.get("ergwscale_unavailable_regions")) is not None:
        unavailable = frozenset(v)
    return Catalog(
        gpu_skus=skus, gateway_skus=gw, direct_port_gbps=ports, direct_circuit_gbps_by_port=circuits_by_port,
        ergwscale_unavailable_regions=unavailable, provider_names=providers, peering_locations=locations,
        metro_sites=metro_sites,
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
