"""`make mutation` / `python -m tools.mutation`: mutation testing of the rule code.

    python -m tools.mutation                                    # every module of config.toml
    python -m tools.mutation --modules infra/invariants/compute.py
    python -m tools.mutation --list                             # the mutants, without running them
    python -m tools.mutation --report                           # the last results, equivalents reapplied
    python -m tools.mutation --survivors --modules M            # after adding tests: only the last survivors again

Prints the score per module (killed / (mutants - equivalent)) and every surviving mutant, and
writes the whole result as JSON to .mutation/results.json (git-ignored; a run of some modules
replaces their entries and keeps the others'). Exit 0, or 1 with --fail-under when a module scores
below it, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import tomllib
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.mutation.mutants import Mutant, mutants
from tools.mutation.runner import KILLED, SURVIVED, TIMEOUT, Job, Outcome, Pool

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config.toml"
EQUIVALENT = HERE / "equivalent.toml"
RESULTS = ROOT / ".mutation" / "results.json"
EQUIV = "equivalent"


def load_config(path: Path = CONFIG) -> dict[str, tuple[str, ...]]:
    """module -> its test files, in the order they run."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {module: tuple(entry["tests"]) for module, entry in data.get("modules", {}).items()}


def load_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """mutant key -> why it is equivalent."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for i, entry in enumerate(data.get("equivalent", [])):
        if not isinstance(entry, dict) or not entry.get("key") or not entry.get("reason"):
            raise SystemExit(f"{path}: equivalent[{i}] needs a key and a reason")
        out[entry["key"]] = entry["reason"]
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="*", default=[], metavar="PATH",
                        help="modules to mutate (space- or comma-separated); default: every module of config.toml")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="worker processes (default: every core)")
    parser.add_argument("--timeout-factor", type=float, default=4.0,
                        help="a mutant's run may take this many times the clean run, plus 10 s (default 4)")
    parser.add_argument("--fail-under", type=float, default=None, metavar="PCT",
                        help="exit 1 when a module scores below PCT")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--sample", type=int, default=None, metavar="N",
                        help="run N mutants of each module, drawn at random (seed 17, or --seed), for an estimate of its score")
    parser.add_argument("--seed", type=int, default=17, metavar="S",
                        help="the random seed of --sample: a new seed draws a fresh, unbiased sample after tests were "
                             "written against the mutants of an earlier one")
    parser.add_argument("--survivors", action="store_true",
                        help="run again only the mutants that survived the last run of each module (and mutants it "
                             "did not have); the others keep their last outcome. After tests were added: a quick "
                             "rescore, sound as long as no test was removed or weakened since")
    parser.add_argument("--report", action="store_true",
                        help="print the last results (.mutation/results.json) with the current equivalents, run nothing")
    return parser.parse_args(argv)


def _selected(args: argparse.Namespace, config: dict[str, tuple[str, ...]]) -> list[str]:
    names = [m for item in args.modules for m in item.replace(",", " ").split()]
    unknown = [m for m in names if m not in config]
    if unknown:
        print(f"mutation: unknown module(s) {', '.join(unknown)}; config.toml lists: {', '.join(config)}",
              file=sys.stderr)
        raise SystemExit(2)
    return names or list(config)


def _tests(module: str, config: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    present = tuple(t for t in config[module] if (ROOT / t).exists())
    missing = [t for t in config[module] if t not in present]
    if missing:
        print(f"  note: {module}: no {', '.join(missing)} (skipped)")
    return present


def _score(counts: Counter[str]) -> float | None:
    judged = counts[KILLED] + counts[TIMEOUT] + counts[SURVIVED]
    return None if judged == 0 else round(100 * (counts[KILLED] + counts[TIMEOUT]) / judged, 1)


def _write(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    previous: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
    modules = {**previous.get("modules", {}), **results["modules"]}
    kept = [m for m in previous.get("mutants", []) if m.get("module") not in results["modules"]]
    RESULTS.write_text(json.dumps({"modules": modules, "mutants": kept + results["mutants"]}, indent=1) + "\n",
                       encoding="utf-8")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # through main's cleanup: the pool and its copies go too


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop)
    args = _parse(argv)
    config = load_config()
    equivalent = load_equivalent()
    selected = _selected(args, config)
    if args.report:
        if not RESULTS.exists():
            print(f"mutation: no {RESULTS.relative_to(ROOT)} yet; run `make mutation` first", file=sys.stderr)
            return 2
        report = rescore(json.loads(RESULTS.read_text(encoding="utf-8")), equivalent, set(selected))
        _print(report, equivalent, {r["key"] for r in report["mutants"]}, set(report["modules"]), 0.0)
        return _fail_under(report, args.fail_under)
    if args.survivors and args.sample is not None:
        print("mutation: --survivors reruns the last run's survivors; it takes no --sample", file=sys.stderr)
        return 2
    if args.list:
        for module in selected:
            found = mutants(module, (ROOT / module).read_text(encoding="utf-8"))
            for mutant in found:
                print(mutant.describe())
            print(f"{module}: {len(found)} mutants")
        return 0
    by_module: dict[str, list[Mutant]] = {}

    started = time.monotonic()
    totals: dict[str, int] = {}
    outcomes: dict[str, Outcome] = {}
    seconds: dict[str, float] = {}
    pool = Pool(ROOT, max(1, args.jobs))
    try:
        for module in selected:
            tests = _tests(module, config)
            if not tests:
                print(f"  {module}: none of its tests exist; not run", flush=True)
                continue
            found = mutants(module, (ROOT / module).read_text(encoding="utf-8"))
            total = len(found)
            totals[module] = total
            reused: list[Mutant] = []  # --survivors: the mutants keeping their last outcome
            if args.survivors:
                again, kept = rerun(found, _last_rows(module))
                outcomes.update(kept)
                reused = [m for m in found if m.key in kept]
                found = again
                print(f"  {len(found)} mutants to run again; {len(kept)} keep their last outcome", flush=True)
                if not found:
                    by_module[module], seconds[module] = reused, 0.0
                    _write(_report({module: reused}, outcomes, equivalent, seconds, totals))
                    continue
            if args.sample is not None and args.sample < total:
                found = sorted(random.Random(args.seed).sample(found, args.sample), key=lambda m: m.line)
                print(f"  a sample of {len(found)} of its {total} mutants (seed {args.seed})", flush=True)
            by_module[module] = found + reused
            print(f"{module}: {len(found)} mutants; tests: {' '.join(tests)}", flush=True)
            t0 = time.monotonic()
            status, clean_s, killer = pool.clean_run(tests)
            if status != SURVIVED:
                print(f"mutation: the tests of {module} fail without any mutant ({killer}); fix them first",
                      file=sys.stderr)
                return 2
            timeout = clean_s * args.timeout_factor + 10
            print(f"  clean run {clean_s:.1f} s; timeout per mutant {timeout:.0f} s", flush=True)
            jobs = [Job(m, tests, timeout) for m in found]
            done = 0
            for outcome in pool.run(jobs):
                outcomes[outcome.key] = outcome
                done += 1
                if done % 25 == 0 or done == len(jobs):
                    print(f"  {done}/{len(jobs)} ({time.monotonic() - t0:.0f} s)", flush=True)
            seconds[module] = round(time.monotonic() - t0, 1)
            done_modules = {m: found for m, found in by_module.items() if m in seconds}
            _write(_report(done_modules, outcomes, equivalent, seconds, totals))  # each module as it completes
        pool.close()
    except BaseException:
        pool.terminate()
        raise

    report = _report(by_module, outcomes, equivalent, seconds, totals)
    keys = {m.key for found in by_module.values() for m in found}
    _print(report, equivalent, keys, set(by_module), time.monotonic() - started)
    return _fail_under(report, args.fail_under)


def rerun(found: list[Mutant], last: list[dict[str, Any]]) -> tuple[list[Mutant], dict[str, Outcome]]:
    """For --survivors: the mutants to run again (survived last time, or not in the last run), and the last
    outcome of the others (killed or timed out), keyed as `found`'s."""
    before = {r["key"]: r for r in last}
    run, kept = [], {}
    for m in found:
        r = before.get(m.key)
        if r is None or r["status"] not in (KILLED, TIMEOUT):
            run.append(m)
        else:
            kept[m.key] = Outcome(m.key, r["status"], r.get("seconds") or 0.0, r.get("killed_by"))
    return run, kept


def _last_rows(module: str) -> list[dict[str, Any]]:
    if not RESULTS.exists():
        return []
    return [r for r in json.loads(RESULTS.read_text(encoding="utf-8")).get("mutants", []) if r.get("module") == module]


def _fail_under(report: dict[str, Any], fail_under: float | None) -> int:
    if fail_under is not None:
        low = [m for m, r in report["modules"].items() if r["score"] is not None and r["score"] < fail_under]
        if low:
            print(f"mutation: below {fail_under}%: {', '.join(low)}")
            return 1
    return 0


def rescore(results: dict[str, Any], equivalent: dict[str, str], modules: set[str]) -> dict[str, Any]:
    """Earlier results of `modules`, with the equivalents as listed now (an entry added since the run
    takes its mutant out of the score; one removed puts it back)."""
    rows = [dict(r) for r in results.get("mutants", []) if r.get("module") in modules]
    for r in rows:
        r.pop("reason", None)
        if r["status"] in (SURVIVED, EQUIV):
            r["status"] = EQUIV if r["key"] in equivalent else SURVIVED
            if r["status"] == EQUIV:
                r["reason"] = equivalent[r["key"]]
    out: dict[str, Any] = {}
    for module, before in results.get("modules", {}).items():
        if module not in modules:
            continue
        counts = Counter(r["status"] for r in rows if r["module"] == module)
        out[module] = {**before, "killed": counts[KILLED], "timeout": counts[TIMEOUT], "survived": counts[SURVIVED],
                       "equivalent": counts[EQUIV], "score": _score(counts)}
    return {"modules": out, "mutants": rows}


def _report(by_module: dict[str, list[Mutant]], outcomes: dict[str, Outcome], equivalent: dict[str, str],
            seconds: dict[str, float], totals: dict[str, int]) -> dict[str, Any]:
    modules: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for module, found in by_module.items():
        counts: Counter[str] = Counter()
        for m in found:
            outcome = outcomes[m.key]
            status = EQUIV if outcome.status == SURVIVED and m.key in equivalent else outcome.status
            counts[status] += 1
            row = {k: v for k, v in asdict(m).items() if k != "source"}
            rows.append({"key": m.key, **row, "status": status, "killed_by": outcome.killed_by,
                         "seconds": outcome.seconds, **({"reason": equivalent[m.key]} if status == EQUIV else {})})
        modules[module] = {
            "mutants": len(found), "killed": counts[KILLED], "timeout": counts[TIMEOUT],
            "survived": counts[SURVIVED], "equivalent": counts[EQUIV], "score": _score(counts),
            "seconds": seconds.get(module),
            **({"sampled_of": totals[module]} if totals.get(module, len(found)) > len(found) else {}),
        }
    return {"modules": modules, "mutants": rows}


def _print(report: dict[str, Any], equivalent: dict[str, str], keys: set[str], modules: set[str],
           elapsed: float) -> None:
    print()
    print(f"{'module':<34} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8} {'equiv.':>6} "
          f"{'score':>6} {'time':>7}")
    for module, r in report["modules"].items():
        score = "-" if r["score"] is None else f"{r['score']:.1f}%"
        sampled = f"  (a sample of {r['mutants']} of {r['sampled_of']})" if r.get("sampled_of") else ""
        print(f"{module:<34} {r['mutants']:>7} {r['killed']:>7} {r['timeout']:>7} {r['survived']:>8} "
              f"{r['equivalent']:>6} {score:>6} {r['seconds'] or 0:>6.0f}s{sampled}")
    survivors = [r for r in report["mutants"] if r["status"] == SURVIVED]
    if survivors:
        print(f"\nsurviving mutants ({len(survivors)}):")
        for r in survivors:
            print(f"  {r['module']}:{r['line']} [{r['function']}] {r['operator']}: {r['before']}  ->  {r['after']}")
            print(f"      key: {r['key']}")
    stale = [k for k in equivalent if k.split("::", 1)[0] in modules and k not in keys]
    killed = [r["key"] for r in report["mutants"] if r["key"] in equivalent and r["status"] in (KILLED, TIMEOUT)]
    for k in stale:
        print(f"  stale equivalent entry (no such mutant): {k}")
    for k in killed:
        print(f"  stale equivalent entry (a test kills it): {k}")
    took = f" in {elapsed:.0f} s" if elapsed else ""
    print(f"\n{len(report['mutants'])} mutants{took}; results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
