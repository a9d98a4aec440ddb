"""Review of a change: `fabric plan --against PLAN.json` and `--against-ref GITREF`.

Plain models and pure functions over two plans (no Pulumi): which Azure resource each declaration
is (identity.py), what changed and whether Azure can do it in place (diff.py, with the facts of
catalog.FIXED_PROPERTIES), and which changes cost capacity or the carrier's provisioning (rules.py).
earlier.py reads an earlier plan; ref.py plans a git ref's stacks with that ref's own program.
"""

from infra.review.compare import review, review_stack
from infra.review.earlier import EarlierPlan, load_plan, parse_plan
from infra.review.models import Change, Cost, Op, Review, StackReview

__all__ = ["Change", "Cost", "EarlierPlan", "Op", "Review", "StackReview", "load_plan", "parse_plan", "review",
           "review_stack"]
