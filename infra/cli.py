"""`fabric validate | plan | graph | rollout | secrets`: exit 0 when all holds, 1 on violated invariants,
2 on bad input (`rollout` adds 3: waiting on the carrier)."""

from __future__ import annotations

import argparse
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
                        help="directory of Pulumi.<stack>.yaml files (default: ./stacks)")


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
    plan.add_argument("--carrier-state", choices=("pending", "provisioned"), default=None,
                      help="plan every circuit and port as just ordered (a first `pulumi up`) or as provisioned "
                           "by the carrier; default: the states the stack files record")
    graph = sub.add_parser("graph", help="draw the fabric: sites, clusters, circuits, gateways, Global Reach")
    _selection(graph)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    rollout = sub.add_parser(
        "rollout", help="deploy the stacks in dependency order, gated on the carrier (exit 0 converged, "
                        "1 failed, 2 bad input, 3 waiting on the carrier)")
    _selection(rollout)
    rollout.add_argument("--dry-run", action="store_true",
                         help="print the waves and the carrier gates; needs neither the pulumi CLI nor credentials")
    rollout.add_argument("--format", choices=("text", "json"), default="text")
    rollout.add_argument("--carrier-probe", choices=("azure", "outputs"), default="azure",
                         help="read circuit states with the Azure SDK (default) or from the stacks' outputs")
    rollout.add_argument("--policy-pack", type=Path, default=None, metavar="DIR",
                         help="run the CrossGuard pack (e.g. policy/) with every preview and update")
    rollout.add_argument("--parallel", type=int, default=None, metavar="N",
                         help="at most N stacks of a wave at once (default: the whole wave)")
    secrets = sub.add_parser("secrets", help="the secret config keys each stack needs, and the commands that set them")
    _selection(secrets)
    secrets.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _load(args: argparse.Namespace) -> tuple[Fabric, list[str]]:
    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    return load_fabric(stacks_dir), names


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
    from infra.offline import RunOptions

    plans = plan.plan(fabric, names, RunOptions(carrier_state=args.carrier_state), against=against)
    # A stack file deleted since the earlier plan takes its protected resources with it.
    removed = plan.removed_stacks(against, fabric) if against is not None and (args.all or not args.stack) else {}
    if args.format == "json":
        json.dump(plan.to_json(plans, removed), sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(render.plan_markdown(plans, removed))
    else:
        quotas = {n: dict(fabric.stacks[n].spec.site.vcpu_quota) for n in names}
        sys.stdout.write(render.plan_table(plans, quotas, removed))
    clean = all(p.clean for p in plans) and not any(removed.values())
    return EXIT_OK if clean else EXIT_VIOLATIONS


def cmd_graph(args: argparse.Namespace) -> int:
    from infra import graph

    fabric, names = _load(args)
    specs = [s.spec for s in fabric.stacks.values()]
    topo = graph.topology(specs, fabric.assessment.capacity, selected=set(names))
    sys.stdout.write(graph.mermaid(topo) if args.format == "mermaid" else graph.dot(topo))
    return EXIT_OK


def cmd_rollout(args: argparse.Namespace) -> int:
    from infra.rollout import engine, report
    from infra.rollout.probe import ProbeError
    from infra.rollout.runner import RunnerError, SecretsUnreadable

    if args.parallel is not None and args.parallel < 1:
        print(f"fabric: bad usage: --parallel {args.parallel}: give 1 or more stacks at once", file=sys.stderr)
        return EXIT_BAD_INPUT
    rollout_plan = engine.plan(find_stacks_dir(args.stacks_dir), args.stack, args.all)
    if args.dry_run:
        if args.format == "json":
            json.dump(rollout_plan.to_json(), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(report.dry_run(rollout_plan))
        return EXIT_OK

    def progress(stack: str, message: str) -> None:
        print(f"fabric rollout: [{stack}] {message}", file=sys.stderr, flush=True)

    try:
        result = engine.connect(rollout_plan, args.carrier_probe, progress, policy_pack=args.policy_pack,
                                max_parallel=args.parallel).run()
    except SecretsUnreadable as exc:
        print(f"fabric rollout: stack {exc.stack}: its secure: values do not decrypt with this backend and secrets "
              f"provider; run `fabric secrets --stack {exc.stack}` for the keys to set and the commands:\n{exc}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ProbeError, RunnerError) as exc:
        print(f"fabric rollout: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.outcome(result))
    return result.exit_code


def cmd_secrets(args: argparse.Namespace) -> int:
    from infra.rollout import report, secrets

    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    fabric = load_fabric(stacks_dir)
    found = [secrets.stack_secrets(fabric.stacks[n]) for n in names]
    if args.format == "json":
        json.dump({"stacks": [s.to_json() for s in found]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.secrets(found))
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "plan": cmd_plan, "graph": cmd_graph, "rollout": cmd_rollout,
            "secrets": cmd_secrets}


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
