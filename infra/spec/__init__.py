"""The fabric spec: typed, validated models of one stack file (one site)."""

from infra.spec.access import AccessSpec, CustomRoleSpec, DatasetSpec, GrantSpec, PimSpec, PrincipalSpec
from infra.spec.compute import GpuClusterSpec
from infra.spec.observability import ActionGroupSpec, ObservabilitySpec, WorkspaceSpec
from infra.spec.fabric import CONFIG_KEYS, PROJECT, CatalogOverrides, FabricSpec, SiteSpec, from_config
from infra.spec.network import (
    CircuitAuthorization,
    DirectCircuit,
    DirectPort,
    GatewaySpec,
    GlobalReachSpec,
    InterconnectSpec,
    MacSecSpec,
    PrivatePeering,
    ProviderCircuit,
)
from infra.spec.demands import Demand, ReplicationDemand, SustainedDemand
from infra.spec.pricing import PricingSpec

__all__ = [
    "AccessSpec", "ActionGroupSpec", "CatalogOverrides", "CircuitAuthorization", "MacSecSpec", "ObservabilitySpec",
    "WorkspaceSpec", "CONFIG_KEYS", "CustomRoleSpec", "DatasetSpec", "Demand", "DirectCircuit",
    "DirectPort", "FabricSpec", "GatewaySpec", "GlobalReachSpec", "GpuClusterSpec", "GrantSpec",
    "InterconnectSpec", "PimSpec", "PricingSpec", "PrincipalSpec", "PrivatePeering", "PROJECT", "ProviderCircuit",
    "ReplicationDemand", "SiteSpec", "SustainedDemand", "from_config",
]
