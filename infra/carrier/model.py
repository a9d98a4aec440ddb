"""The carrier network of ``stacks/fabric.yaml``: PoPs, spans between them, shared-risk groups.

Plain pydantic models (unknown keys refused, frozen), like the stack spec. Rules one file decides
live here (a span's ends are known PoPs, capacities are not negative, new fibre has an in-service
date); rules against the stacks and the catalog (a PoP at an unknown peering location, a circuit at
a location no PoP serves) live in infra.carrier.checks, because they need the stacks too.

Capacities are what this fabric may use of a span, per direction (an optical span is duplex, like
an ExpressRoute circuit). Prices (``monthly_usd``, ``upgrades``) are the user's own figures: no
carrier publishes a list price for wavelengths, so every price here is illustrative until a
contract says otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, StrictBool, model_validator

from infra.spec.fields import SpecModel, raise_problems

MAX_SPAN_GBPS = 1_000_000.0
"""Sanity bound: no span of one carrier gives one fabric a petabit."""


class PopSpec(SpecModel):
    """A carrier point of presence."""

    peering_location: str | None = None
    """The Azure ExpressRoute peering location at this PoP, exactly as Azure names it (e.g. 'Washington
    DC'); circuits at that location land here. None: a transit PoP without an Azure edge."""
    metro: str | None = None
    """Free text for people (e.g. 'Ashburn, VA')."""


class UpgradeOption(SpecModel):
    """A larger capacity the carrier offers on a span, at the user's price (illustrative)."""

    gbps: float = Field(gt=0, le=MAX_SPAN_GBPS, allow_inf_nan=False)
    monthly_usd: float = Field(ge=0, allow_inf_nan=False)


SpanStatus = Literal["existing", "new"]


class SpanSpec(SpecModel):
    """A carrier link between two PoPs, as far as this fabric may use it."""

    a: str
    """PoP at one end (a key of pops)."""
    z: str
    """PoP at the other end."""
    gbps: float = Field(allow_inf_nan=False)
    """Capacity this fabric may use, per direction, in Gb/s (0 or more)."""
    srlgs: tuple[str, ...] = ()
    """Shared-risk groups: one cut (a conduit, a trench, a cable landing) takes every span of a group."""
    status: SpanStatus = "existing"
    """'existing', or 'new' fibre not yet lit, which counts only from `in_service`."""
    in_service: dt.date | None = None
    """Required for new fibre: the first day it carries traffic (ISO date)."""
    latency_ms: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """One-way latency; the flow model prefers lower latency among equal choices. None: 1 ms per span."""
    wavelengths: int | None = Field(default=None, ge=1, strict=True)
    """Wavelengths (lambdas) of the fabric's capacity, for people; the model uses `gbps`."""
    monthly_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """The user's price for the capacity as it is (illustrative unless contracted)."""
    upgrades: tuple[UpgradeOption, ...] = ()
    """Larger capacities on offer, each with the user's price (for a later cost/solver step)."""
    illustrative: StrictBool = False
    """The figures of this span are illustrative (not from a contract)."""

    @model_validator(mode="after")
    def _consistent(self) -> SpanSpec:
        problems = []
        if self.gbps < 0:
            problems.append((("gbps",), f"capacity {self.gbps:g} Gb/s is negative; give 0 or more"))
        elif self.gbps > MAX_SPAN_GBPS:
            problems.append((("gbps",), f"capacity {self.gbps:g} Gb/s is beyond any span (at most {MAX_SPAN_GBPS:,.0f})"))
        if self.a == self.z:
            problems.append((("z",), f"joins PoP {self.a!r} to itself; a span joins two PoPs"))
        if self.status == "new" and self.in_service is None:
            problems.append((("in_service",), "new fibre needs an in_service date (YYYY-MM-DD): it counts only from then"))
        if self.status == "existing" and self.in_service is not None:
            problems.append((("in_service",), "an existing span is in service already; in_service is for status: new"))
        for i, up in enumerate(self.upgrades):
            if up.gbps <= self.gbps:
                problems.append((("upgrades", i, "gbps"), f"{up.gbps:g} Gb/s is no upgrade of {self.gbps:g} Gb/s"))
        raise_problems(problems)
        return self

    def in_service_on(self, day: dt.date) -> bool:
        return self.status == "existing" or (self.in_service is not None and self.in_service <= day)

    @property
    def latency(self) -> float:
        return 1.0 if self.latency_ms is None else self.latency_ms


class SrlgSpec(SpecModel):
    """A shared-risk group described for people; membership is on the spans (`srlgs`)."""

    description: str = ""


class CarrierSpec(SpecModel):
    """The whole carrier network the fabric rides on."""

    carrier: str
    """Whose network this is, e.g. 'Lumen'."""
    pops: dict[str, PopSpec] = Field(min_length=1)
    spans: dict[str, SpanSpec] = {}
    srlgs: dict[str, SrlgSpec] = {}
    """Optional descriptions of the shared-risk groups the spans name (any name a span uses is a group)."""

    @model_validator(mode="after")
    def _references(self) -> CarrierSpec:
        problems = []
        for name, span in self.spans.items():
            for end in ("a", "z"):
                pop = getattr(span, end)
                if pop not in self.pops:
                    problems.append((("spans", name, end), f"unknown PoP {pop!r}; known: {', '.join(self.pops)}"))
        served: dict[str, str] = {}
        for name, pop in self.pops.items():
            loc = pop.peering_location
            if loc is None:
                continue
            if loc in served:
                problems.append((
                    ("pops", name, "peering_location"),
                    f"{loc!r} is already served by PoP {served[loc]!r}; one PoP per peering location, so every "
                    "circuit lands at exactly one PoP",
                ))
            served.setdefault(loc, name)
        raise_problems(problems)
        return self

    def pop_at(self, location: str) -> str | None:
        """The PoP serving a peering location, or None."""
        for name, pop in self.pops.items():
            if pop.peering_location == location:
                return name
        return None

    def srlg_members(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = {}
        for name, span in self.spans.items():
            for g in span.srlgs:
                groups.setdefault(g, []).append(name)
        return {g: tuple(m) for g, m in sorted(groups.items())}
