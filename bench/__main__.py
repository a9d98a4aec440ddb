"""`make bench`: how fast the offline engine plans, against the bare-SDK floor; the failure analysis.

1. The largest shipped stack, whole process: `fabric plan --stack X --format json` against the
   same plan done with the bare SDK (bench/floor.py): the same loading, validation, checks and
   JSON, with the same inventories (X and the peers whose outputs it reads) registered as plain
   `pulumi.CustomResource`s under the same mocks. Medians of alternating runs.
2. A synthetic fabric at growing sizes (2,000+ resources), in process: seconds per resource for
   the engine, the floor, and the engine with aliases kept (what the SDK costs without our
   transformation), to show the cost is linear.
3. The fabric failure analysis over a synthetic carrier network, growing to the full size of issue 13
   (200 sites, 400 PoPs, 1,000 spans, 300 shared-risk groups, 2,000 circuits, 5,000 demands, 50
   critical), a designed fabric and a tight one (bench/failures.py): CPU and wall-clock seconds of the
   single-failure and two-failure analyses per size, how they grow, and the targets at full size.
4. The design solver, `fabric solve` (bench/solver.py): the shipped fabric with ten times its demands and
   a synthetic 50-site fabric, each within 60 s with a proven optimality gap under 1%.

Each step says when it starts and what it found; the last line is how long it all took.
`python -m bench --failures-only` runs step 3 alone, `--solver-only` step 4; `--failure-scales` and `--tight-scales` pick sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import floor, synthetic
from infra import offline, plan
from infra.workspace import load_fabric

ROOT = Path(__file__).resolve().parent.parent


# As on a user's machine, Python may cache bytecode (this workplace sets PYTHONDONTWRITEBYTECODE,
# which would recompile the project's own modules in every process and blur the comparison).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one whole process. CPU time (user + system, every thread)
    is what the process itself costs; on a shared machine it moves less than wall-clock time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def largest_stack(runs: int) -> dict:
    fabric = load_fabric(ROOT / "stacks")
    planner = plan.planner_for(fabric)
    sizes = {n: len(planner.inventory(n)) for n in fabric.stacks}
    name = max(sizes, key=lambda n: sizes[n])
    # What one `fabric plan --stack name` registers: the stack and the peers it reads outputs of.
    one = plan.planner_for(fabric)
    one.inventory(name)
    inventories = [floor.inventory_json(inv) for inv in one._done.values()]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(inventories, f)
    plan_cmd = [sys.executable, "-m", "infra.cli", "plan", "--stack", name, "--format", "json"]
    floor_cmd = [sys.executable, "-m", "bench.floor", f.name, name, str(ROOT / "stacks")]
    plan_t, floor_t = [], []
    _timed(plan_cmd), _timed(floor_cmd)  # warm-up: bytecode caches, page cache
    for _ in range(runs):  # alternate so drift in machine load hits both alike
        plan_t.append(_timed(plan_cmd))
        floor_t.append(_timed(floor_cmd))
    Path(f.name).unlink()
    p, fl = (statistics.median(t for t, _ in plan_t), statistics.median(t for t, _ in floor_t))
    p_cpu, fl_cpu = (statistics.median(c for _, c in plan_t), statistics.median(c for _, c in floor_t))
    # Each plan run over the floor run next to it: how much the ratio moves with machine load.
    paired = sorted(a[0] / b[0] for a, b in zip(plan_t, floor_t))
    return {"stack": name, "resources": sizes[name], "registered": sum(len(i["resources"]) for i in inventories),
            "plan_s": p, "floor_s": fl, "ratio": p / fl, "runs": runs,
            "paired_ratio_min": paired[0], "paired_ratio_max": paired[-1],
            "plan_cpu_s": p_cpu, "floor_cpu_s": fl_cpu, "cpu_ratio": p_cpu / fl_cpu}


def _plan_synthetic(specs: dict, options: offline.RunOptions) -> tuple[float, list]:
    configs = {n: offline.config_from_spec(s) for n, s in specs.items()}
    planner = offline.FabricPlanner(specs, configs, options)
    start = time.perf_counter()
    invs = [planner.inventory(n) for n in specs]
    return time.perf_counter() - start, invs


def synthetic_scaling(site_counts: list[int], with_aliases_at: int | None) -> list[dict]:
    rows = []
    for n in site_counts:
        specs = synthetic.fabric(n)
        secs, invs = _plan_synthetic(specs, offline.RunOptions())
        resources = sum(len(i) for i in invs)
        start = time.perf_counter()
        floor.register(floor.inventory_json(i) for i in invs)
        floor_s = time.perf_counter() - start
        row = {"sites": n, "resources": resources, "plan_s": secs, "floor_s": floor_s,
               "plan_ms_per_resource": 1000 * secs / resources, "ratio": secs / floor_s}
        if n == with_aliases_at:
            slow, _ = _plan_synthetic(specs, offline.RunOptions(fast=False))
            row["with_aliases_s"] = slow
        rows.append(row)
    return rows


def failures_scales() -> tuple[tuple[float, ...], tuple[float, ...]]:
    from bench.failures import SCALES, TIGHT_SCALES

    return SCALES, TIGHT_SCALES


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=11, help="alternating runs for the whole-process comparison")
    parser.add_argument("--sites", type=int, nargs="*", default=[12, 25, 50, 100],
                        help="synthetic fabric sizes (sites)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    designed, tight = failures_scales()
    parser.add_argument("--failure-scales", type=float, nargs="*", default=list(designed),
                        help="sizes of the designed synthetic carrier fabric, as fractions of the full size "
                             "(default: %(default)s; 1 is 200 sites)")
    parser.add_argument("--tight-scales", type=float, nargs="*", default=list(tight),
                        help="sizes of the tight synthetic carrier fabric (default: %(default)s)")
    parser.add_argument("--failures-only", action="store_true", help="only the failure analysis (step 3)")
    parser.add_argument("--solver-only", action="store_true", help="only the design solver (step 4)")
    args = parser.parse_args()
    figures: dict = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    if args.solver_only:
        figures["solver"] = solver_section()
        if args.json:
            print(json.dumps(figures, indent=2))
        return 0 if all(r["within_target"] for r in figures["solver"]["rows"]) else 1
    if not args.failures_only:
        _engine(args, figures)

    try:
        from bench import failures
    except ImportError:
        print("failure analysis benchmark: not available")
    else:
        print("3. the failure analysis over a synthetic carrier network, growing to 200 sites, 400 PoPs, 1,000 "
              "spans, 300 shared-risk groups, 2,000 circuits, 5,000 demands (50 critical), in two designs ...",
              flush=True)
        figures["failures"] = failures.run(tuple(args.failure_scales), tuple(args.tight_scales))

    if not args.failures_only:
        print("4. the design solver ...", flush=True)
        figures["solver"] = solver_section()

    if args.json:
        print(json.dumps(figures, indent=2))
    wall = time.perf_counter() - start
    print(f"make bench took {wall / 60:.1f} min wall-clock ({wall:.0f} s; this process's own CPU time "
          f"{time.process_time() - cpu_start:.0f} s, the timed plan subprocesses not included)", flush=True)
    return 0


def _engine(args: argparse.Namespace, figures: dict) -> None:
    """Steps 1 and 2: the offline engine against the bare-SDK floor."""
    print(f"1. the largest shipped stack, whole process, {args.runs} alternating runs of plan and floor ...",
          flush=True)
    big = largest_stack(args.runs)
    figures["largest_stack"] = big
    print(f"largest shipped stack {big['stack']}: {big['resources']} resources ({big['registered']} registered "
          f"with its peers); whole process, median of {big['runs']} alternating runs: plan {big['plan_s']:.2f} s, "
          f"bare-SDK floor {big['floor_s']:.2f} s, ratio {big['ratio']:.2f}x (target <= 2x; "
          f"run by run {big['paired_ratio_min']:.2f}x to {big['paired_ratio_max']:.2f}x); CPU time: plan "
          f"{big['plan_cpu_s']:.2f} s, floor {big['floor_cpu_s']:.2f} s, ratio {big['cpu_ratio']:.2f}x", flush=True)

    print(f"2. a synthetic fabric of {', '.join(map(str, args.sites))} sites, planned in process ...", flush=True)
    rows = synthetic_scaling(args.sites, with_aliases_at=args.sites[min(2, len(args.sites) - 1)])
    figures["synthetic"] = rows
    print("synthetic fabric (in process):")
    print(f"  {'sites':>5} {'resources':>9} {'plan s':>8} {'ms/res':>7} {'floor s':>8} {'ratio':>6} {'aliases kept s':>15}")
    for r in rows:
        kept = f"{r['with_aliases_s']:.2f}" if "with_aliases_s" in r else ""
        print(f"  {r['sites']:>5} {r['resources']:>9} {r['plan_s']:>8.2f} {r['plan_ms_per_resource']:>7.2f} "
              f"{r['floor_s']:>8.2f} {r['ratio']:>6.2f} {kept:>15}", flush=True)


# ------------------------------------------------------------------------------------------------
# 4. The design solver (issue 14.4): bench/solver.py. Kept apart from the sections above.
# ------------------------------------------------------------------------------------------------


def solver_section() -> dict:
    from bench import solver

    print("design solver (fabric solve, illustrative prices): the shipped fabric with ten times its demands and a "
          f"synthetic 50-site fabric, each within {solver.TIME_LIMIT_S:g} s and a proven gap under "
          f"{100 * solver.GAP:g}%:", flush=True)
    return solver.run()


if __name__ == "__main__":
    sys.exit(main())
