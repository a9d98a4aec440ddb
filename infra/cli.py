"""`fabric validate | plan | graph`: exit 0 when all holds, 1 on violated invariants, 2 on bad input."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from infra import render
from infra.stackfile import SpecError
from infra.workspace import Fabric, find_stacks_dir, load_fabric, resolve_names

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage says what is wrong in our format and exits 2 (as argparse does)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"fabric: bad usage: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", action="append", default=[], metavar="NAME",
                        help="a stack to act on (repeatable); default: every stack")
    parser.add_argument("--all", action="store_true", help="every stack of the stacks directory")
    parser.add_argument("--stacks-dir", type=Path, default=None, metavar="DIR",
                        help="directory of Pulumi.<stack>.yaml files and fabric.yaml (default: ./stacks)")
    parser.add_argument("--on", type=_day, default=None, metavar="DATE",
                        help="plan the fabric as on this day (YYYY-MM-DD): new fibre counts from its "
                             "in_service date (default: today)")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2027-03-01") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fabric", description="Validate, plan and draw the ai-fabric stacks offline.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    validate = sub.add_parser("validate", help="check stack files and the capacity invariants they decide")
    _selection(validate)
    plan = sub.add_parser("plan", help="run the program offline under mocks; report resources, capacity, violations")
    _selection(plan)
    plan.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    plan.add_argument("--against", type=Path, default=None, metavar="PLAN.json",
                      help="an earlier `fabric plan --format json`: flag changes that would cost an outage")
    graph = sub.add_parser("graph", help="draw the fabric: sites, clusters, circuits, gateways, Global Reach")
    _selection(graph)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    return parser


def _load(args: argparse.Namespace) -> tuple[Fabric, list[str]]:
    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    return load_fabric(stacks_dir, args.on), names


def cmd_validate(args: argparse.Namespace) -> int:
    fabric, names = _load(args)
    worst = EXIT_OK
    for name in names:
        stack = fabric.stacks[name]
        print("\n".join(render.capacity_summary(fabric.assessment.capacity[name], stack.spec.site.vcpu_quota)))
        found = fabric.assessment.violations_of(name)
        print("\n".join(render.violations_block(found)))
        if found:
            worst = EXIT_VIOLATIONS
    return worst


def cmd_plan(args: argparse.Namespace) -> int:
    from infra import plan  # imports Pulumi and the program's SDKs: only for the commands that run it

    from infra import safe_change

    fabric, names = _load(args)
    against = safe_change.load_previous(args.against) if args.against else None
    plans = plan.plan(fabric, names, against=against)
    # A stack file deleted since the earlier plan takes its protected resources with it.
    removed = plan.removed_stacks(against, fabric) if against is not None and (args.all or not args.stack) else {}
    if args.format == "json":
        from infra.carrier.report import carrier_json

        doc = plan.to_json(plans, removed) | carrier_json(fabric.assessment.flows)
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.plan_markdown(plans, removed, fabric.assessment.flows))
    else:
        quotas = {n: dict(fabric.stacks[n].spec.site.vcpu_quota) for n in names}
        sys.stdout.write(render.plan_table(plans, quotas, removed))
    clean = all(p.clean for p in plans) and not any(removed.values())
    return EXIT_OK if clean else EXIT_VIOLATIONS


def cmd_graph(args: argparse.Namespace) -> int:
    from infra import graph

    fabric, names = _load(args)
    specs = [s.spec for s in fabric.stacks.values()]
    flows = fabric.assessment.flows
    topo = graph.topology(specs, fabric.assessment.capacity, selected=set(names),
                          carrier=flows.graph if flows is not None else None)
    sys.stdout.write(graph.mermaid(topo) if args.format == "mermaid" else graph.dot(topo))
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "plan": cmd_plan, "graph": cmd_graph}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SpecError as exc:
        n = len(exc.issues)
        print(f"fabric {args.command}: invalid input ({n} problem{'s' if n != 1 else ''})", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the offline engine's PlanError: the program itself failed
        from infra.offline import PlanError

        if not isinstance(exc, PlanError):
            raise
        print(f"fabric {args.command}: cannot plan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
