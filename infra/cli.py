"""`fabric validate | plan | graph`: exit 0 when all holds, 1 on violated invariants, 2 on bad input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from infra import render
from infra.stackfile import SpecError
from infra.workspace import Fabric, find_stacks_dir, load_fabric, resolve_names

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", action="append", default=[], metavar="NAME",
                        help="a stack to act on (repeatable); default: every stack")
    parser.add_argument("--all", action="store_true", help="every stack of the stacks directory")
    parser.add_argument("--stacks-dir", type=Path, default=None, metavar="DIR",
                        help="directory of Pulumi.<stack>.yaml files (default: ./stacks)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fabric", description="Validate, plan and draw the ai-fabric stacks offline.")
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check stack files and the capacity invariants they decide")
    _selection(validate)
    for register in _EXTRA_COMMANDS:
        register(sub, _selection)
    return parser


# Commands added by other modules (plan, graph) register here, keeping this module about dispatch.
_EXTRA_COMMANDS: list = []


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


COMMANDS = {"validate": cmd_validate}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SpecError as exc:
        print(f"fabric {args.command}: invalid input ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''})",
              file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
