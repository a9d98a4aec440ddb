"""Spec-level access invariants of one stack: operator coverage and least privilege.

The resource-level twins of these rules (same names where the rule is the same) live in
infra.invariants.access and check what the program actually declares.

Decision: a wildcard or authorization-write custom role is a *policy* violation (exit 1, reported
with every other violation), not malformed input (exit 2): it is valid Azure, and the same rule must
hold at resource level for the policy pack, under the same name, whatever produced the role.
"""

from __future__ import annotations

from collections import defaultdict

from infra import catalog
from infra.capacity.report import Violation
from infra.spec import FabricSpec
from infra.spec.access import PERSONA_MAX_SCOPE, scope_kind, scope_within

PEOPLE = frozenset({"User", "Group"})
"""Principal kinds that are people: privileged access for them is PIM-eligible, never standing, at every
scope: a standing Contributor on the network resource group can change every circuit of the site.
Sources: articles/role-based-access-control/best-practices.md (just-in-time privileged access with
Privileged Identity Management); Microsoft cloud security benchmark PA-2, 'Avoid standing access for
accounts and permissions'."""


def custom_role_problems(operations: list[str] | tuple[str, ...]) -> list[tuple[int, str]]:
    """(index, why) for each operation a least-privilege custom role may not grant.

    No '*' anywhere (it grants every present and future operation that matches), and no
    Microsoft.Authorization operation other than a read: writing, deleting or acting on role
    assignments, definitions, locks or policies is how a role escalates itself.
    """
    out = []
    for i, op in enumerate(operations):
        if "*" in op:
            out.append((i, f"{op!r} has a wildcard; list the exact operations"))
        elif op.lower().startswith("microsoft.authorization/") and not op.lower().endswith("/read"):
            out.append((i, f"{op!r} changes authorization (only Microsoft.Authorization reads are allowed)"))
    return out


def check(spec: FabricSpec) -> list[Violation]:
    return (
        _operator_coverage(spec) + _standing_privileged(spec) + _persona_scope(spec)
        + _custom_roles(spec) + _training_read_only(spec) + _unique_grants(spec)
    )


def _v(spec: FabricSpec, invariant: str, path: str, message: str) -> Violation:
    return Violation(invariant, message, stack=spec.stack, path=f"access.{path}")


def _operator_coverage(spec: FabricSpec) -> list[Violation]:
    """Every cluster and the interconnect has an operator group (standing or PIM-eligible).

    Applies to a stack that manages access (declares any principal or grant); a stack without an
    access section leaves access to whoever owns the subscription and is not checked here.
    """
    access = spec.access
    if not access.principals and not access.grants:
        return []
    covered: set[str] = set()
    for g in access.grants.values():
        p = access.principals.get(g.principal)
        if p is None or p.kind != "Group":
            continue
        if p.persona == "network-operator" and g.scope == "interconnect":
            covered.add("interconnect")
        elif p.persona == "cluster-operator" and scope_kind(g.scope) == "cluster":
            covered.add(g.scope)
    out = []
    if "interconnect" not in covered:
        out.append(_v(spec, "operator-coverage", "grants",
                      "the interconnect has no operator group: grant a Group principal with persona "
                      "network-operator a role at scope 'interconnect'"))
    for name in spec.clusters:
        if f"cluster/{name}" not in covered:
            out.append(_v(spec, "operator-coverage", "grants",
                          f"cluster {name!r} has no operator group: grant a Group principal with persona "
                          f"cluster-operator a role at scope 'cluster/{name}'"))
    return out


def _standing_privileged(spec: FabricSpec) -> list[Violation]:
    out = []
    for name, g in spec.access.grants.items():
        p = spec.access.principals.get(g.principal)
        if p is None or g.pim is not None or p.kind not in PEOPLE:
            continue
        if g.role in catalog.PRIVILEGED_BUILTIN_ROLES:
            out.append(_v(spec, "no-standing-privileged", f"grants.{name}",
                          f"{g.role} standing at {g.scope} scope for {p.kind} {g.principal!r}; privileged access "
                          "for people is PIM-eligible: add `pim: {max_activation_hours: ..., eligible_days: ...}`"))
    return out


def _persona_scope(spec: FabricSpec) -> list[Violation]:
    out = []
    for name, g in spec.access.grants.items():
        p = spec.access.principals.get(g.principal)
        if p is None:
            continue
        widest = PERSONA_MAX_SCOPE[p.persona]
        if not scope_within(g.scope, widest):
            out.append(_v(spec, "persona-scope", f"grants.{name}.scope",
                          f"{g.principal!r} ({p.persona}) may hold roles at '{widest}' or narrower, got "
                          f"{g.scope!r}; narrow the scope or use a principal whose persona allows it"))
    return out


def _custom_roles(spec: FabricSpec) -> list[Violation]:
    out = []
    for name, role in spec.access.custom_roles.items():
        for field in ("actions", "data_actions"):
            for i, why in custom_role_problems(getattr(role, field)):
                out.append(_v(spec, "custom-role-least-privilege", f"custom_roles.{name}.{field}.{i}", why))
    return out


def _training_read_only(spec: FabricSpec) -> list[Violation]:
    """Principals of persona training-workload only ever read dataset blobs."""
    out = []
    for name, g in spec.access.grants.items():
        p = spec.access.principals.get(g.principal)
        if p is None or p.persona != "training-workload":
            continue
        if g.role != "Storage Blob Data Reader" or scope_kind(g.scope) != "dataset":
            out.append(_v(spec, "training-data-read-only", f"grants.{name}",
                          f"training identity {g.principal!r} gets {g.role!r} at {g.scope!r}; training "
                          "identities get only 'Storage Blob Data Reader' at dataset/<name>"))
    return out


def _unique_grants(spec: FabricSpec) -> list[Violation]:
    """No two grants give one principal one role at one ARM scope ('fabric' is each of its groups).

    They would become two assignments with the same deterministic name, which Azure refuses.
    """
    fabric = ["interconnect", *(f"cluster/{n}" for n in spec.clusters)]
    seen: dict[tuple[str, str, str, bool], list[str]] = defaultdict(list)
    for name, g in spec.access.grants.items():
        for arm in fabric if g.scope == "fabric" else [g.scope]:
            seen[(g.principal, g.role, arm, g.pim is not None)].append(name)
    out = []
    reported: set[tuple[str, ...]] = set()
    for (principal, role, arm, _), names in seen.items():
        if len(names) > 1 and tuple(names) not in reported:
            reported.add(tuple(names))
            out.append(_v(spec, "grant-unique", f"grants.{names[-1]}",
                          f"grants {', '.join(names)} all give {principal!r} {role!r} at {arm!r}; keep one"))
    return out


__all__ = ["PEOPLE", "check", "custom_role_problems"]
