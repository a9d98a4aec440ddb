"""Day-two observability as plain data: what each site sends to Log Analytics and which alerts it raises.

No Pulumi here (like infra/capacity): `alert_plan(spec, capacity)` turns a stack's spec and its capacity
figures into the diagnostic settings and metric alerts the SiteObservability component declares, so the
thresholds can be read, tested and reviewed without running the program.
"""

from infra.observability.thresholds import (
    AlertRule,
    DiagnosticTarget,
    ObservabilityPlan,
    alert_plan,
    circuit_threshold_gbps,
)

__all__ = ["AlertRule", "DiagnosticTarget", "ObservabilityPlan", "alert_plan", "circuit_threshold_gbps"]
