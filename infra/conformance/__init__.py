"""Azure API conformance: every declared resource checked against Azure's own REST API specs.

The specs are vendored from Azure/azure-rest-api-specs for exactly the API versions the pinned
pulumi-azure-native release uses (``specs/``; README.md says how to refresh them). Pure: no Pulumi
import. The invariant ``azure-api-conformance`` (infra/invariants/conformance.py) runs the check in
``fabric plan`` and in the policy pack; the offline engine forms its mock IDs from the same path
templates (``arm_id``).
"""

from infra.conformance.arm_ids import arm_id, arm_type, check_id
from infra.conformance.check import FINDING_KINDS, Finding, check_resource
from infra.conformance.sdk import ApiVersionDrift, api_version_drift, sdk_api_version
from infra.conformance.specs import ResourceSpec, SpecError, SpecLibrary, library

__all__ = [
    "FINDING_KINDS", "ApiVersionDrift", "Finding", "ResourceSpec", "SpecError", "SpecLibrary",
    "api_version_drift", "arm_id", "arm_type", "check_id", "check_resource", "library", "sdk_api_version",
]
