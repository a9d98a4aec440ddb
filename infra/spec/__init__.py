"""The fabric spec: typed, validated models of one stack file (one site)."""

from infra.spec.access import AccessSpec, CustomRoleSpec, DatasetSpec, GrantSpec, PimSpec, PrincipalSpec
from infra.spec.compute import GpuClusterSpec
from infra.spec.fabric import CONFIG_KEYS, PROJECT, CatalogOverrides, FabricSpec, SiteSpec, from_config
from infra.spec.network import (
    DirectCircuit,
    DirectPort,
    GatewaySpec,
    GlobalReachSpec,
    InterconnectSpec,
    PrivatePeering,
    ProviderCircuit,
)
from infra.spec.demands import Demand, ReplicationDemand, SustainedDemand
from infra.spec.pricing import PricingSpec

__all__ = [
    "AccessSpec", "CatalogOverrides", "CONFIG_KEYS", "CustomRoleSpec", "DatasetSpec", "Demand", "DirectCircuit",
    "DirectPort", "FabricSpec", "GatewaySpec", "GlobalReachSpec", "GpuClusterSpec", "GrantSpec",
    "InterconnectSpec", "PimSpec", "PricingSpec", "PrincipalSpec", "PrivatePeering", "PROJECT", "ProviderCircuit",
    "ReplicationDemand", "SiteSpec", "SustainedDemand", "from_config",
]
