"""Pulumi entry point: load this stack's spec from its config, build the fabric, export outputs.

The language host runs this file with infra/ as working directory; the project is installed into
.venv, and the fallback below keeps a plain checkout importable as well.
"""

import sys
from pathlib import Path

try:
    import infra  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra import program  # noqa: E402

program.main()
