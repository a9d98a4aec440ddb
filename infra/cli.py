"""`fabric validate | plan | graph | rollout | secrets | solve`: exit 0 when all holds, 1 on violated invariants,
2 on bad input (`rollout` adds 3: waiting on the carrier; `solve` exits 1 when nothing makes the demands fit)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from infra import render, terminal
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ai-fabric")
    except PackageNotFoundError:  # a plain checkout, not installed
        return "unknown (not installed: pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fabric", description="Validate, plan and draw the ai-fabric stacks offline.")
    parser.add_argument("--version", action="version", version=f"fabric (ai-fabric) {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    validate = sub.add_parser("validate", help="check stack files and the capacity invariants they decide")
    _selection(validate)
    plan = sub.add_parser("plan", help="run the program offline under mocks; report resources, capacity, violations")
    _selection(plan)
    plan.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    earlier = plan.add_mutually_exclusive_group()
    earlier.add_argument("--against", type=Path, default=None, metavar="PLAN.json",
                         help="an earlier `fabric plan --format json`: show what changes, and fail (exit 1) on "
                              "changes that cost capacity or the carrier's provisioning")
    earlier.add_argument("--against-ref", default=None, metavar="GITREF",
                         help="the same against a git ref (e.g. origin/main), planned by that ref's own program "
                              "from a temporary worktree; the work tree, index and stashes are not touched")
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
    new_site = sub.add_parser("new-site", help="write a stack file for a new site, modelled on an existing one, with "
                                               "free address space, prefixes and VLANs")
    new_site.add_argument("name", metavar="NAME", help="the new stack's name (Pulumi.NAME.yaml)")
    new_site.add_argument("--region", required=True, help="the new site's Azure region, e.g. eastus2")
    new_site.add_argument("--like", required=True, metavar="STACK", help="the existing stack to model it on")
    new_site.add_argument("--stacks-dir", type=Path, default=None, metavar="DIR")
    new_site.add_argument("--apply", action="store_true",
                          help="also add the mirror Global Reach entries to the peer stacks' files")
    solve = sub.add_parser(
        "solve", help="the cheapest changes (circuits, Direct ports, gateways, carrier spans) that make every demand "
                      "fit under the failure policy (exit 0 fits, 1 nothing makes it fit, 2 bad input)")
    _selection(solve)
    solve.add_argument("--format", choices=("text", "json"), default="text")
    solve.add_argument("--write", action="store_true",
                       help="edit the stack files (and fabric.yaml) in place, keeping comments and order; only "
                            "when the result validates")
    solve.add_argument("--time-limit", type=_positive, default=60.0, metavar="SECONDS",
                       help="stop after this long (default 60)")
    solve.add_argument("--gap", type=_percent, default=0.5, metavar="PERCENT",
                       help="stop once the design is proven within this many percent of the cheapest (default 0.5)")
    solve.add_argument("--in-place-only", action="store_true",
                       help="never propose a gateway resize Azure does not do in place (a replacement is an outage)")
    solve.add_argument("--prices", choices=("catalog", "illustrative"), default="catalog",
                       help="the price catalog (infra/cost, with each stack's pricing) where it is installed, else "
                            "the illustrative table; or the illustrative table (made-up figures, not Azure's)")
    return parser


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds, e.g. 60")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100, e.g. 0.5")
    return value


def _load(args: argparse.Namespace) -> tuple[Fabric, list[str]]:
    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    return load_fabric(stacks_dir, args.on), names


def cmd_validate(args: argparse.Namespace) -> int:
    fabric, names = _load(args)
    worst = EXIT_OK
    from infra.cost import model as cost_model
    from infra.cost import report as cost_report

    costs = []
    for name in names:
        stack = fabric.stacks[name]
        capacity = fabric.assessment.capacity[name]
        terminal.write("\n".join(render.capacity_summary(capacity, stack.spec.site.vcpu_quota)) + "\n")
        costs.append(cost_model.stack_cost(stack.spec, clusters=capacity.clusters))
        terminal.write("\n".join(cost_report.cost_lines(costs[-1])) + "\n")
        found = fabric.assessment.violations_of(name)
        terminal.write("\n".join(render.violations_block(found)) + "\n")
        if found:
            worst = EXIT_VIOLATIONS
    print(cost_report.fabric_line(cost_report.fabric_cost(costs)))
    return worst


def cmd_plan(args: argparse.Namespace) -> int:
    from infra import plan  # imports Pulumi and the program's SDKs: only for the commands that run it
    from infra import review

    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    fabric = load_fabric(stacks_dir, args.on)
    whole_fabric = args.all or not args.stack
    earlier: review.EarlierPlan | None = None
    earlier_document: object = None
    label = ""
    # The earlier plan first: a bad file or ref is reported before minutes of planning.
    if args.against is not None:
        earlier, label = review.load_plan(args.against), str(args.against)
        earlier_document = json.loads(args.against.read_text(encoding="utf-8"))  # load_plan checked it
        if not whole_fabric:
            earlier = {n: r for n, r in earlier.items() if n in names}
    elif args.against_ref is not None:
        from infra.review import ref

        planned = ref.plan_ref(stacks_dir, args.against_ref, None if whole_fabric else names)
        earlier, label, earlier_document = planned.plan, planned.label, planned.document
    from infra.offline import RunOptions

    plans = plan.plan(fabric, names, RunOptions(carrier_state=args.carrier_state))
    reviewed = None
    if earlier is not None:
        reviewed = review.review(label, earlier, {p.stack: tuple(p.inventory) for p in plans}, whole_fabric)
    costs = None
    if earlier is not None:
        from infra.cost.report import earlier_costs

        costs = {n: c for n, c in earlier_costs(earlier_document).items() if n in earlier}
        costs.update({n: None for n in earlier if n not in costs})
    result = plan.with_review(plans, reviewed, costs, plan.carrier_costs(fabric))
    if args.format == "json":
        from infra.carrier.report import carrier_json

        doc = plan.to_json(result) | carrier_json(fabric.assessment.flows)
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        # Markdown stays Markdown, even on a terminal.
        sys.stdout.write(render.plan_markdown(result, fabric.assessment.flows))
    else:
        quotas = {n: dict(fabric.stacks[n].spec.site.vcpu_quota) for n in names}
        terminal.write(render.plan_table(result, quotas))
    return EXIT_OK if result.clean else EXIT_VIOLATIONS


def cmd_graph(args: argparse.Namespace) -> int:
    from infra import graph

    fabric, names = _load(args)
    specs = [s.spec for s in fabric.stacks.values()]
    flows = fabric.assessment.flows
    topo = graph.topology(specs, fabric.assessment.capacity, selected=set(names),
                          carrier=flows.graph if flows is not None else None)
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
            terminal.write(report.dry_run(rollout_plan))
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
        terminal.write(report.outcome(result))
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


def cmd_new_site(args: argparse.Namespace) -> int:
    from infra.sites import new_site

    stacks_dir = find_stacks_dir(args.stacks_dir)
    fabric = load_fabric(stacks_dir)
    site = new_site.plan(fabric, stacks_dir, args.name, args.region, args.like)
    written = new_site.write(stacks_dir, site, apply_peers=args.apply)
    out = [f"wrote {written[0]} (modelled on {args.like}; review it before deploying)"]
    out += [f"added the mirror Global Reach links to {p}" for p in written[1:]]
    out += [f"note: {n}" for n in site.notes]
    if site.peer_links and not args.apply:
        out += ["", "Each peer stack needs the mirror of the new Global Reach links (or run again with --apply):", "",
                new_site.peer_snippets(site)]
    if site.secrets:
        out += ["", "Set the new stack's secrets before `pulumi up`:"]
        from infra.rollout.secrets import set_command
        out += [f"  {set_command(args.name, key)}   # prompts for it" for key in site.secrets]
    out += ["", f"Then: fabric plan --stack {args.name}    (review capacity, circuits and violations)"]
    terminal.write("\n".join(out) + "\n")
    return EXIT_OK


def cmd_solve(args: argparse.Namespace) -> int:
    from infra import solver
    from infra.solver import report, write

    stacks_dir = find_stacks_dir(args.stacks_dir)
    names = resolve_names(stacks_dir, args.stack, args.all)
    fabric = load_fabric(stacks_dir, args.on)
    everything = args.all or not args.stack
    limits = solver.Limits(in_place_only=args.in_place_only, sites=None if everything else frozenset(names),
                           spans=everything)
    specs = [s.spec for s in fabric.stacks.values()]
    taken = {n: {k.split(":", 1)[1] for k in s.file.config if k.startswith("ai-fabric:")}
             for n, s in fabric.stacks.items()}

    def progress(message: str) -> None:
        print(f"fabric solve: {message}", file=sys.stderr, flush=True)

    from infra.solver.prices import catalog_prices

    prices = catalog_prices(specs) if args.prices == "catalog" else solver.ILLUSTRATIVE
    result = solver.solve(specs, fabric.carrier.spec if fabric.carrier else None, args.on,
                          prices=prices, limits=limits, time_limit=args.time_limit,
                          gap=args.gap / 100, progress=progress, taken_config_keys=taken,
                          assessment=fabric.assessment)
    written: list[str] = []
    if args.write and result.design is not None and result.changes and result.feasible_after:
        def validate(scratch: Path) -> None:
            check = load_fabric(scratch, args.on)  # SpecError: bad input in what would be written
            wrong = [v for v in check.assessment.violations if v.invariant in solver.engine.SOLVER_INVARIANTS]
            if wrong:
                raise write.WriteError("; ".join(f"{v.stack}: {v.message}" for v in wrong[:3]))

        files = {n: s.file.path for n, s in fabric.stacks.items()}
        try:
            paths = write.write(stacks_dir, files, result.design, validate)
        except (write.WriteError, SpecError) as exc:
            detail = exc if isinstance(exc, write.WriteError) else "; ".join(map(str, exc.issues[:3]))
            print(f"fabric solve: nothing written: the edited files would not validate: {detail}", file=sys.stderr)
            return EXIT_VIOLATIONS
        written = [str(p) for p in paths]
    if args.format == "json":
        json.dump(report.to_json(result, written), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        terminal.write(report.text(result, write_hint=not args.write, written=written))
    return EXIT_OK if result.feasible_before or result.feasible_after else EXIT_VIOLATIONS


COMMANDS = {"validate": cmd_validate, "plan": cmd_plan, "graph": cmd_graph, "rollout": cmd_rollout,
            "secrets": cmd_secrets, "new-site": cmd_new_site, "solve": cmd_solve}


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
    except KeyboardInterrupt:
        print(f"fabric {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the offline engine's PlanError: the program itself failed
        from infra.offline import PlanError

        if not isinstance(exc, PlanError):
            raise
        print(f"fabric {args.command}: cannot plan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
