"""Reusable parsed types for the spec: names, regions, CIDRs, ASNs, VLANs, GUIDs, config keys.

Parse, don't regex: prefixes are ``ipaddress`` networks, object IDs are ``uuid.UUID``, ranges are
bounded ints. Each validator's message says what was received and what is allowed.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from infra import catalog
from infra.spec.messages import did_you_mean


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors and a parsed spec never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _name(value: str) -> str:
    # Names end up in Azure resource names and Pulumi URNs: keep them DNS-label-like and short.
    ok = 1 <= len(value) <= 40 and value[0] in _NAME_CHARS and value[0].isalpha() and value[-1] != "-"
    ok = ok and all(c in _NAME_CHARS for c in value)
    if not ok:
        raise ValueError(
            f"invalid name {value!r}: use 1-40 lowercase letters, digits and '-', starting with a "
            "letter and ending with a letter or digit (e.g. 'a100-main')"
        )
    return value


Name = Annotated[str, AfterValidator(_name)]
"""A key of the spec's maps (clusters, circuits, principals...): part of resource names, so a contract."""


def _region(value: str) -> str:
    if value not in catalog.AZURE_REGIONS:
        raise ValueError(
            f"unknown Azure region {value!r}; allowed: {', '.join(sorted(catalog.AZURE_REGIONS))}."
            + did_you_mean(value, catalog.AZURE_REGIONS)
        )
    return value


AzureRegion = Annotated[str, AfterValidator(_region)]


def _network(value: object) -> ipaddress.IPv4Network:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an IPv4 prefix such as '10.20.0.0/16', got {value!r}")
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ipaddress.NetmaskValueError as exc:
        raise ValueError(f"invalid prefix {value!r}: {exc}") from None
    except ValueError as exc:
        raise ValueError(
            f"invalid IPv4 prefix {value!r} ({exc}); write the network address with its length, "
            "e.g. '10.20.0.0/16'"
        ) from None
    if "/" not in value:
        raise ValueError(f"prefix {value!r} has no length; write e.g. '{value}/24'")
    return net


Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_network), PlainSerializer(str, return_type=str)]


def _prefix_of_length(length: int):
    def check(net: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if net.prefixlen != length:
            raise ValueError(f"prefix {net} must be a /{length}, got a /{net.prefixlen}")
        return net

    return AfterValidator(check)


Slash30 = Annotated[Cidr, _prefix_of_length(catalog.PEERING_PREFIX_LEN.value)]
Slash29 = Annotated[Cidr, _prefix_of_length(catalog.GLOBAL_REACH_PREFIX_LEN.value)]


def _asn(value: int) -> int:
    if value in catalog.RESERVED_ASNS.value:
        raise ValueError(
            f"ASN {value} is reserved by Azure (12076 is Azure's own, 65515-65520 are reserved); "
            "use the carrier's or your own ASN"
        )
    return value


Asn = Annotated[int, Field(ge=1, le=4_294_967_294, strict=True), AfterValidator(_asn)]
Vlan = Annotated[int, Field(ge=catalog.VLAN_RANGE.value[0], le=catalog.VLAN_RANGE.value[1], strict=True)]


def _guid(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an Entra object ID; expected a GUID such as "
            "'3f2504e0-4f89-11d3-9a0c-0305e82c3301'"
        ) from None


PositiveCount = Annotated[int, Field(strict=True, gt=0)]
"""A whole number above zero, written as a number: '675' in quotes is an error, not a silent conversion."""

Guid = Annotated[uuid.UUID, BeforeValidator(_guid), PlainSerializer(str, return_type=str)]


def _config_key(value: str) -> str:
    ok = 1 <= len(value) <= 64 and value[0].isalpha() and all(c.isalnum() or c in "-_" for c in value)
    if not ok:
        raise ValueError(
            f"invalid config key {value!r}: letters, digits, '-' and '_', starting with a letter "
            "(set it with `pulumi config set --secret <key>`)"
        )
    return value


SecretConfigKey = Annotated[str, AfterValidator(_config_key)]
"""The name of a stack config key (in the ai-fabric namespace) whose value must be a secret."""


Loc = tuple[str | int, ...]


class Problems(ValueError):
    """Several cross-field problems, each with the key path (relative to the model) it is about.

    Raised from model validators; pydantic keeps the exception in the error's context, and the stack
    file loader turns each problem into its own error at its own line.
    """

    def __init__(self, problems: list[tuple[Loc, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" if loc else msg for loc, msg in problems))


def raise_problems(problems: list[tuple[Loc, str]]) -> None:
    if problems:
        raise Problems(problems)
