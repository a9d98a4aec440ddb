"""The CrossGuard policies: infra.invariants, run by `pulumi preview --policy-pack policy/`.

Each invariant becomes one stack validation policy, mandatory by default. The policy adapts the
engine's PolicyResources to the neutral inventory and calls the same function the offline plan
and the tests call, so the three report the same violations. Importing this module starts
nothing: policy/__main__.py constructs the PolicyPack (which starts the analyzer server).

Enforcement is configurable per policy in the usual way, e.g. a policy config file passed with
`--policy-pack-config`: {"gateway-throughput": "advisory", "no-public-ip": "mandatory"}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from infra import invariants
from infra.inventory import SECRET, Inventory, Resource, normalize

STACK_TYPE = "pulumi:pulumi:Stack"


def _stack_name(resources: Iterable[PolicyResource]) -> str:
    for r in resources:
        # urn:pulumi:<stack>::<project>::<type>::<name>
        parts = r.urn.split("::")
        if parts and parts[0].startswith("urn:pulumi:"):
            return parts[0][len("urn:pulumi:"):]
    return ""


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
            inputs=normalize(_redact(dict(r.props), secret_names)),
            protect=bool(r.opts.protect),
            dependencies=tuple(d.urn for d in r.dependencies),
            # Components have no provider; every custom resource has one.
            custom=r.provider is not None,
            secret_inputs=frozenset(k for k in secret_names if k in r.props),
        ))
    return Inventory(stack=_stack_name(resources), resources=tuple(sorted(out, key=lambda x: x.urn)))


def _policy(name: str, check: invariants.Check) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for v in check(to_inventory(args.resources)):
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
    return [_policy(name, check) for name, check in invariants.CHECKS.items()]
