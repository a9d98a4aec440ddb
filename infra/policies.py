"""The CrossGuard policies: infra.invariants, run by `pulumi preview --policy-pack policy/`.

Each invariant becomes one stack validation policy, mandatory by default. The policy adapts the
engine's PolicyResources to the neutral inventory and calls the same function the offline plan
and the tests call, so the three report the same violations. Importing this module starts
nothing: policy/__main__.py constructs the PolicyPack (which starts the analyzer server).

Enforcement is configurable per policy in the usual way, e.g. a policy config file passed with
`--policy-pack-config`: {"gateway-throughput": "advisory", "no-public-ip": "mandatory"}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from infra import catalog, invariants
from infra.spec import CatalogOverrides
from infra.tokens import PRIVATE_INTERCONNECT
from infra.inventory import SECRET, UNKNOWN, Inventory, Resource, normalize

STACK_TYPE = "pulumi:pulumi:Stack"


def _stack_name(resources: Iterable[PolicyResource]) -> str:
    for r in resources:
        # urn:pulumi:<stack>::<project>::<type>::<name>
        parts = r.urn.split("::")
        if parts and parts[0].startswith("urn:pulumi:"):
            return parts[0][len("urn:pulumi:"):]
    return ""


# How the policy SDK spells a value unknown during preview (pulumi_policy/proxy.py).
_UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
})


def _plain(value: Any) -> Any:
    """The policy SDK's props as plain data, in one walk: proxies unwrapped (reading through them raises on an
    unknown value), unknown sentinels turned into the inventory's UNKNOWN, integral floats (protobuf numbers)
    back to int as inventory.normalize does. Every policy converts the whole stack (the SDK hands each policy
    resources of its own), so the common types are tested by identity before the slower ABC checks."""
    kind = type(value)
    if kind is str:
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        target = value["__target"] if "__target" in value else value
        return {k: _plain(v) for k, v in dict(target).items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        try:
            target = value["__target"]  # type: ignore[index]
        except (TypeError, KeyError, IndexError):
            target = value
        return [_plain(v) for v in target]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return normalize(value)


def _redact(props: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    # The policy SDK hands secrets over in clear; keep them out of the inventory as the engine does.
    secret = set(secret_names)
    return {k: (SECRET if k in secret else v) for k, v in props.items()}


def to_inventory(resources: Iterable[PolicyResource]) -> Inventory:
    """The neutral inventory of a stack as the policy engine sees it."""
    resources = list(resources)
    out = []
    for r in resources:
        if r.resource_type == STACK_TYPE or r.resource_type.startswith("pulumi:providers:"):
            continue
        parent = r.parent.urn if r.parent is not None and r.parent.resource_type != STACK_TYPE else None
        secret_names = tuple(r.opts.additional_secret_outputs or ())
        out.append(Resource(
            urn=r.urn,
            type=r.resource_type,
            name=r.name,
            parent=parent,
            inputs=_redact(_plain(r.props), secret_names),
            protect=bool(r.opts.protect),
            dependencies=tuple(d.urn for d in r.dependencies),
            # Components have no provider; every custom resource has one.
            custom=r.provider is not None,
            secret_inputs=frozenset(k for k in secret_names if k in r.props),
        ))
    return Inventory(stack=_stack_name(resources), resources=tuple(sorted(out, key=lambda x: x.urn)))


def catalog_of(inventory: Inventory) -> catalog.Catalog:
    """The stack's catalog: its overrides of unverified facts are recorded on the interconnect."""
    for r in inventory.of_type(PRIVATE_INTERCONNECT):
        overrides = r.inputs.get("catalogOverrides")
        if isinstance(overrides, Mapping) and overrides:
            try:
                return catalog.with_overrides(CatalogOverrides.model_validate(overrides).model_dump(exclude_none=True))
            except ValueError:
                return catalog.DEFAULT  # malformed overrides are judged by the defaults
    return catalog.DEFAULT


def _policy(name: str) -> StackValidationPolicy:
    check = invariants.CHECKS[name]

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        inventory = to_inventory(args.resources)
        cat = catalog_of(inventory)
        fn = check if cat is catalog.DEFAULT else invariants.checks_for(cat)[name]
        for v in invariants.run_check(name, fn, inventory):
            report_violation(v.message, v.resource)

    doc = (check.__doc__ or name).strip().splitlines()[0]
    return StackValidationPolicy(
        name=name,
        description=doc,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def policies() -> list[StackValidationPolicy]:
    """One mandatory stack policy per resource-level invariant, in the order they are registered."""
    return [_policy(name) for name in invariants.CHECKS]
