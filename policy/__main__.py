"""ai-fabric policy pack: `pulumi preview --policy-pack policy/`.

The policies live in infra/policies.py (importable and tested offline); constructing the
PolicyPack here starts the analyzer server, so nothing else imports this file.
"""

import sys
from pathlib import Path

try:
    import infra  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from infra.policies import policies  # noqa: E402

PolicyPack(name="ai-fabric", policies=policies())
