"""Review a new plan against an earlier one: every Azure resource created, updated, replaced or
deleted, stacks added and removed, and which changes are unsafe (rules.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.inventory import Resource
from infra.review import rules
from infra.review.diff import ResourceDiff, diff_pair, match
from infra.review.identity import Identity, container_key, enclosing_keys, identity, is_azure
from infra.review.models import Change, Op, Review, StackReview, sort_changes


def _contained(diffs: list[ResourceDiff]) -> list[ResourceDiff]:
    """A resource inside one that is deleted or replaced goes with it: Azure deletes a resource group's
    resources, a circuit's peerings and their connections, a VNet's subnets."""
    going: dict[tuple[Any, ...], tuple[Identity, Op]] = {}
    for d in diffs:
        if d.old is not None and d.op in (Op.REPLACE, Op.DELETE):
            ident = identity(d.old)
            if (key := container_key(ident)) is not None:
                going[key] = (ident, d.op)
    out = []
    for d in diffs:
        if d.old is not None and d.new is not None and d.op in (None, Op.UPDATE):
            found = [going[k] for k in enclosing_keys(identity(d.old)) if k in going]
            if found:
                container, op = found[0]
                verb = "replaced" if op is Op.REPLACE else "deleted"
                d = d.replaced_because(f"it is inside {container.type.rsplit(':', 1)[-1]} {container.name}, which "
                                       f"is {verb} (Azure deletes what it contains)")
        out.append(d)
    return out


def review_stack(stack: str, old: Sequence[Resource], new: Sequence[Resource], status: str = "compared") -> StackReview:
    """Every change to the stack's Azure resources, judged (components and Pulumi's own resources are
    not deployed to Azure and are left out)."""
    old_azure = [r for r in old if is_azure(r)]
    new_azure = [r for r in new if is_azure(r)]
    m = match(old_azure, new_azure)
    diffs = [diff_pair(p) for p in m.pairs]
    diffs += [ResourceDiff(r, None, Op.DELETE) for r in m.deleted]
    diffs += [ResourceDiff(None, r, Op.CREATE) for r in m.created]
    diffs = _contained(diffs)
    ctx = rules.StackContext(old, new)
    changes = [rules.judge(stack, d, ctx) for d in diffs if d.op is not None]
    return StackReview(stack, tuple(sort_changes(changes)), status)


def review(
    against: str,
    old: Mapping[str, Sequence[Resource]],
    new: Mapping[str, Sequence[Resource]],
    whole_fabric: bool,
) -> Review:
    """Compare the new plan's stacks with the earlier plan's.

    A stack only in the new plan is added (every resource created). A stack only in the earlier plan is
    removed (every resource deleted) when `whole_fabric` says the new plan covers every stack; when it
    covers a selection (`--stack`), the earlier plan's other stacks are simply not reviewed.
    """
    stacks = []
    for name, resources in new.items():
        if name in old:
            stacks.append(review_stack(name, old[name], resources))
        else:
            stacks.append(review_stack(name, (), resources, "added"))
    if whole_fabric:
        stacks += [review_stack(name, resources, (), "removed") for name, resources in old.items() if name not in new]
    return Review(against, tuple(stacks))


def unsafe_of(review_: Review | None, stack: str) -> tuple[Change, ...]:
    found = review_.of(stack) if review_ is not None else None
    return found.unsafe if found is not None else ()
