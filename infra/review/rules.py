"""Which changes are unsafe, and what each one costs in capacity.

Unsafe (``fabric plan`` exits 1):

- deleting or replacing a protected resource, a circuit or a Direct port: the carrier's
  provisioning goes with it (a new circuit has a new service key to provision);
- deleting or replacing a gateway: every connection behind it drops (catalog.GATEWAY_IN_PLACE_RESIZES
  lists the SKU changes Azure does in place);
- replacing a gateway connection, or pointing it at another circuit: traffic over its circuit stops;
- deleting or replacing GPU scale sets, or a change that restarts their VMs (a new VM size):
  training on them stops, and the capacity may not come back (GPU stock is scarce);

Everything else is an ordinary change: removing an NSG rule, a role assignment, a custom role; adding
anything; updating tags, bandwidth upwards, a gateway SKU within the in-place resizes. The capacity
model and the invariants judge what the fabric looks like afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from infra import catalog
from infra.catalog import When
from infra.inventory import Resource
from infra.review.diff import ResourceDiff
from infra.review.identity import azure_name, display_name
from infra.review.models import Change, Cost, Op, plural
from infra.tokens import CIRCUIT, CONNECTION, GATEWAY, GPU_CLUSTER, PEERING, PORT, SCALE_SET


def _tail(arm_id: object) -> str | None:
    return arm_id.rstrip("/").rsplit("/", 1)[-1] if isinstance(arm_id, str) and arm_id else None


def _number(x: object) -> float:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else 0.0


@dataclass(frozen=True)
class StackContext:
    """A stack's resources before and after, for costs that need neighbours (circuits behind a gateway)."""

    old: Sequence[Resource]
    new: Sequence[Resource]

    @cached_property
    def _components(self) -> Mapping[str, Resource]:
        return {r.urn: r for r in (*self.old, *self.new) if not r.custom}

    @cached_property
    def _circuits_by_name(self) -> Mapping[str, Resource]:
        return {(azure_name(r) or r.name).lower(): r for r in self.old if r.type == CIRCUIT}

    def gpus_per_vm(self, vmss: Resource) -> int:
        sku = catalog.GPU_SKUS.get(str(vmss.get("sku.name")))
        if sku is not None:
            return sku.gpus_per_vm
        # A SKU the catalog no longer lists: the cluster's own claim (GpuCluster's inputs).
        claim = self._components.get(vmss.parent or "")
        return int(_number(claim.get("gpusPerVm"))) if claim is not None else 0

    def scale_set_cost(self, vmss: Resource) -> Cost:
        vms = int(_number(vmss.get("sku.capacity")))
        return Cost(scale_sets=1, vms=vms, gpus=vms * self.gpus_per_vm(vmss))

    def circuit_gbps(self, circuit: Resource | None) -> float:
        if circuit is None:
            return 0.0
        mbps = _number(circuit.get("serviceProviderProperties.bandwidthInMbps"))
        return mbps / 1000 if mbps else _number(circuit.get("bandwidthInGbps"))

    def circuit_of(self, connection: Resource) -> Resource | None:
        name = _tail(connection.get("peer.id"))
        return self._circuits_by_name.get(name.lower()) if name else None

    def connections_behind(self, gateway: Resource) -> list[Resource]:
        name = (azure_name(gateway) or "").lower()
        if not name:
            return []  # named by Pulumi: no connection's gateway ID can be matched to it
        return [r for r in self.old if r.type == CONNECTION
                and (_tail(r.get("virtualNetworkGateway1.id")) or "").lower() == name]


def is_gpu_scale_set(r: Resource | None) -> bool:
    return r is not None and r.type == SCALE_SET and (
        str(r.get("sku.name")) in catalog.GPU_SKUS or f"{GPU_CLUSTER}$" in r.urn
    )


def _noun(r: Resource) -> str:
    return {
        SCALE_SET: "scale set", CIRCUIT: "circuit", PORT: "Direct port", GATEWAY: "gateway",
        PEERING: "private peering", CONNECTION: "gateway connection",
    }.get(r.type, r.type.rsplit(":", 1)[-1])


def judge(stack: str, d: ResourceDiff, ctx: StackContext) -> Change:
    """The change as the review reports it: op, keys, safety, reason and capacity cost."""
    assert d.op is not None
    current = d.new if d.new is not None else d.old
    assert current is not None
    name = display_name(current)
    previous_name = None
    if d.old is not None and d.new is not None:
        old_name = display_name(d.old)
        previous_name = old_name if old_name != name else None
    base = Change(
        stack=stack, urn=current.urn, type=current.type, op=d.op, name=name, keys=d.keys,
        reason="; ".join(d.causes) or None,
        previous_urn=d.old.urn if d.old is not None and d.new is not None and d.old.urn != d.new.urn else None,
        previous_name=previous_name,
    )
    if d.op is Op.DELETE:
        return _deleted(base, d, ctx)
    if d.op is Op.REPLACE:
        return _replaced(base, d, ctx)
    if d.op is Op.UPDATE:
        return _updated(base, d, ctx)
    return base


def _unsafe(base: Change, rule: str, verb: str, noun: str, reason: str, cost: Cost = Cost()) -> Change:
    return replace(base, unsafe=True, rule=rule, verb=verb, noun=noun, reason=reason, cost=cost)


def _deleted(base: Change, d: ResourceDiff, ctx: StackContext) -> Change:
    old = d.old
    assert old is not None
    what = f"{_noun(old)} {base.name}"
    if is_gpu_scale_set(old):
        cost = ctx.scale_set_cost(old)
        return _unsafe(base, "gpu-scale-set-removed", "deletes", "scale set",
                       f"{what} is no longer declared: deleting it takes {cost.figures()} out of service", cost)
    if old.type in (CIRCUIT, PORT) or old.protect:
        cost = Cost(circuits=1, circuit_gbps=ctx.circuit_gbps(old)) if old.type == CIRCUIT else Cost()
        if old.type == PORT:
            cost = Cost(circuit_gbps=_number(old.get("bandwidthInGbps")))
        return _unsafe(base, "protected-removed", "deletes", _noun(old),
                       f"{what} is no longer declared; deleting it drops the carrier's provisioning "
                       "(it is protected: unprotect it first if this is meant)", cost)
    if old.type == GATEWAY:
        cost = _gateway_cost(old, ctx)
        return _unsafe(base, "gateway-removed", "deletes", "gateway",
                       f"{what} is no longer declared: every connection behind it drops ({cost.figures() or 'none'})",
                       cost)
    return base


def _replaced(base: Change, d: ResourceDiff, ctx: StackContext) -> Change:
    old = d.old
    assert old is not None
    why = base.reason or "replaced"
    what = f"{_noun(old)} {base.label}"
    if is_gpu_scale_set(old) or is_gpu_scale_set(d.new):
        cost = ctx.scale_set_cost(old)
        return _unsafe(base, "gpu-scale-set-replaced", "replaces", "scale set",
                       f"replaces {what} ({cost.figures()}): {why}", cost)
    if old.type == CIRCUIT:
        lowered = any(f.fact.when is When.LOWERED for f in d.fixed)
        cost = Cost(circuits=1, circuit_gbps=ctx.circuit_gbps(old))
        return _unsafe(base, "circuit-bandwidth-down" if lowered else "circuit-replaced", "replaces", "circuit",
                       f"{why}: the circuit is replaced ({cost.circuit_gbps:,g} Gb/s down until the carrier "
                       "provisions a new one)", cost)
    if old.type == PORT:
        return _unsafe(base, "port-replaced", "replaces", "Direct port",
                       f"{why}: the Direct port pair is replaced with every circuit on it",
                       Cost(circuit_gbps=_number(old.get("bandwidthInGbps"))))
    if old.type == GATEWAY:
        cost = _gateway_cost(old, ctx)
        return _unsafe(base, "gateway-recreated", "replaces", "gateway",
                       f"{why}: Azure deletes and recreates the gateway, dropping every connection behind it "
                       f"({cost.figures() or 'none'})", cost)
    if old.type == CONNECTION:
        circuit = ctx.circuit_of(old)
        cost = Cost(connections=1, circuit_gbps=ctx.circuit_gbps(circuit))
        return _unsafe(base, "connection-replaced", "replaces", "gateway connection",
                       f"{why}: traffic over circuit {_tail(old.get('peer.id'))} stops while the connection is "
                       "recreated", cost)
    if old.protect or (d.new is not None and d.new.protect):
        return _unsafe(base, "protected-replaced", "replaces", _noun(old),
                       f"{why}: the protected {what} would be deleted and created again")
    return base


def _updated(base: Change, d: ResourceDiff, ctx: StackContext) -> Change:
    old, new = d.old, d.new
    assert old is not None and new is not None
    if is_gpu_scale_set(old) and d.restarts:
        cost = ctx.scale_set_cost(old)
        changes = "; ".join(f.describe() for f in d.restarts)
        return _unsafe(base, "gpu-vms-restarted", "restarts", "scale set",
                       f"{changes}: Azure changes it in place but restarts every VM of scale set {base.name} "
                       f"({cost.figures()}), deallocating them first when the new size is on other hardware", cost)
    if old.type == CONNECTION and (_tail(old.get("peer.id")) or "").lower() != (_tail(new.get("peer.id")) or "").lower():
        cost = Cost(connections=1, circuit_gbps=ctx.circuit_gbps(ctx.circuit_of(old)))
        return _unsafe(base, "connection-circuit-changed", "re-points", "gateway connection",
                       f"circuit {_tail(old.get('peer.id'))!r} -> {_tail(new.get('peer.id'))!r}: traffic over "
                       f"{_tail(old.get('peer.id'))} into the VNet stops", cost)
    if is_gpu_scale_set(old):
        before, after = int(_number(old.get("sku.capacity"))), int(_number(new.get("sku.capacity")))
        if after < before:
            gpus = (before - after) * ctx.gpus_per_vm(old)
            return replace(base, reason=f"scales in by {plural(before - after, 'VM')} ({plural(gpus, 'GPU')})")
    return base


def _gateway_cost(gateway: Resource, ctx: StackContext) -> Cost:
    connections = ctx.connections_behind(gateway)
    return Cost(connections=len(connections),
                circuit_gbps=sum(ctx.circuit_gbps(ctx.circuit_of(c)) for c in connections))
