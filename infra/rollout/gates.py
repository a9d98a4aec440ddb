"""Carrier gates: what waits for the carrier or the colocation provider, and exactly what they must do.

Azure accepts a circuit's private peering, its gateway connection and its Global Reach links only once
the connectivity provider has provisioned the circuit (``serviceProviderProvisioningState``
``Provisioned``: articles/expressroute/expressroute-howto-circuit-portal-resource-manager.md, "Send the
service key to your connectivity provider"; articles/expressroute/expressroute-workflows.md). An
ExpressRoute Direct port's circuits carry traffic only once the colocation provider has made the
cross-connects that the port's letter of authorization asks for and the links are enabled
(articles/expressroute/expressroute-howto-erdirect.md, "Generate the Letter of Authorization",
"Enable the links"). A Global Reach link needs both circuits' private peerings
(articles/expressroute/expressroute-howto-set-global-reach.md).

The letter of authorization comes from ``az network express-route port generate-loa --name --resource-group
--customer-name --file`` (azure-cli, src/azure-cli/azure/cli/command_modules/network/_params.py, argument context
"network express-route port generate-loa": ``--file``/``-f`` is the PDF written; the docs article's
``--destination`` is not an option of the CLI). The program exports the same command per port
(infra/program.py ``port_handoff``, ``loa_command``); a test holds the two to the same text.

Gates are plain data from the specs, whose ``carrier_state`` says what the carrier has provisioned;
nothing here talks to Azure. What a gate holds back is what the program defers
(components.interconnect.deferred_resources, the same function the component calls), and a gate exists
exactly where the program's view of the carrier (infra/program.py ``carrier_view``) has something
pending. A gate that no carrier action can ever open is bad input (`never_passing`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components.interconnect import CarrierView, circuit_name, deferred_resources, port_name
from infra.spec import DirectCircuit, FabricSpec, InterconnectSpec, ProviderCircuit
from infra.spec.carrier_state import PROVISIONED, CarrierState

INTERCONNECT = "interconnect"
"""The PrivateInterconnect component's name in the program (infra/program.py ``deploy``): the prefix of
the deferred children's names."""

GateKind = Literal["carrier", "cross-connect", "owner", "global-reach"]


@dataclass(frozen=True)
class Gate:
    """One circuit (or Global Reach link) of one stack waiting for someone outside Azure."""

    stack: str
    circuit: str
    kind: GateKind
    waits_for: str
    """Who must act, in a few words."""
    instruction: str
    """Exactly what they must do, and how to record it when Azure cannot tell."""
    port: str | None = None
    link: str | None = None
    peer: str | None = None
    """'<stack>/<circuit>' of the far end of a Global Reach link."""
    deferred: tuple[str, ...] = ()
    """What the program holds back until the gate opens."""

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "circuit": self.circuit, "waits_for": self.waits_for, "kind": self.kind,
            "instruction": self.instruction, "port": self.port, "link": self.link, "peer": self.peer,
            "deferred": list(self.deferred),
        }


@dataclass(frozen=True)
class NeverPassing:
    """A gate no carrier action opens: bad input."""

    stack: str
    path: tuple[str, ...]
    """Key path in the stack file, e.g. ('ai-fabric:interconnect', 'global_reach', 'to-x')."""
    value: Any
    message: str


def network_resource_group(spec: FabricSpec) -> str:
    """The site's network resource group, as infra/program.py build_site names it."""
    return f"{spec.resource_group}-network"


def loa_command(spec: FabricSpec, port: str) -> str:
    """The command that writes a Direct port's letter of authorization (a PDF) for the colocation provider."""
    pname = port_name(spec.stack, port)
    return (f"az network express-route port generate-loa --name {pname} --resource-group "
            f"{network_resource_group(spec)} --customer-name <your company> --file {pname}-loa.pdf")


def bandwidth_label(mbps: float) -> str:
    return f"{mbps / 1000:g} Gbps" if mbps >= 1000 else f"{mbps:g} Mbps"


def carrier_view(spec: FabricSpec, specs: Mapping[str, FabricSpec]) -> CarrierView:
    """What the program sees of the carrier when it deploys `spec` (infra/program.py ``carrier_view``),
    with the peers' specs from `specs` rather than from their stack files: every circuit's and port's
    state by the spec's rule (FabricSpec.circuit_state: a Direct circuit follows its port), and the peer
    circuit of each Global Reach link the stack owns."""
    peer_circuits: dict[tuple[str, str], CarrierState] = {}
    for link in spec.interconnect.global_reach.values():
        peer = specs.get(link.peer_stack)
        if link.owned_by(spec.stack) and peer is not None and link.peer_circuit in peer.interconnect.circuits:
            peer_circuits[(link.peer_stack, link.peer_circuit)] = peer.circuit_state(link.peer_circuit)
    ic = spec.interconnect
    return CarrierView(circuits={k: spec.circuit_state(k) for k in ic.circuits},
                       ports={k: spec.port_state(k) for k in ic.ports}, peer_circuits=peer_circuits)


def held_back(spec: FabricSpec, view: CarrierView) -> list[str]:
    """Every child the program defers for this stack, in the component's order (its ``deferred`` input)."""
    return deferred_resources(INTERCONNECT, spec.interconnect, spec.stack, view)


def _held_back_by(spec: FabricSpec, view: CarrierView, *, circuit: str | None = None,
                  link: str | None = None) -> tuple[str, ...]:
    """What one gate holds back: what the program would stop deferring if that gate alone opened.

    For a circuit, its children (peering, connection, the connection's lock), without the Global Reach
    links it also holds (they are the links' gates); for a link, its Global Reach connection."""
    ic = spec.interconnect
    no_links = ic.model_copy(update={"global_reach": {}})

    def deferred(interconnect: InterconnectSpec, v: CarrierView) -> set[str]:
        return set(deferred_resources(INTERCONNECT, interconnect, spec.stack, v))

    if circuit is not None:
        opened = dataclasses.replace(view, circuits={**view.circuits, circuit: PROVISIONED})
        names = deferred(no_links, view) - deferred(no_links, opened)
    else:
        assert link is not None
        names = deferred(ic.model_copy(update={"global_reach": {link: ic.global_reach[link]}}), view) - deferred(
            no_links, view)
    return tuple(n for n in held_back(spec, view) if n in names)


def stack_gates(spec: FabricSpec, specs: Mapping[str, FabricSpec]) -> list[Gate]:
    """Every gate of one stack, circuits first, then the Global Reach links it owns. `specs` holds the
    peers (their carrier state decides the far end of each link)."""
    view = carrier_view(spec, specs)
    out: list[Gate] = []
    for key, c in spec.interconnect.circuits.items():
        if view.circuit_ready(key):
            continue
        out.append(_circuit_gate(spec, key, c, _held_back_by(spec, view, circuit=key)))
    for link_key, link in spec.interconnect.global_reach.items():
        if not link.owned_by(spec.stack) or view.link_ready(spec.interconnect, link_key):
            continue
        waiting = [f"{spec.stack}/{link.circuit}"] if not view.circuit_ready(link.circuit) else []
        if view.peer_circuits.get((link.peer_stack, link.peer_circuit)) != PROVISIONED:
            waiting.append(f"{link.peer_stack}/{link.peer_circuit}")
        out.append(Gate(
            stack=spec.stack, circuit=link.circuit, kind="global-reach", link=link_key,
            peer=f"{link.peer_stack}/{link.peer_circuit}",
            waits_for=f"{' and '.join(waiting)} provisioned",
            instruction=(
                f"Global Reach link {link_key} ({spec.stack}/{link.circuit} <-> {link.peer_stack}/{link.peer_circuit}, "
                f"{link.prefix}) is declared once both circuits are provisioned; waiting for "
                f"{' and '.join(waiting)} (see their gates)"
            ),
            deferred=_held_back_by(spec, view, link=link_key),
        ))
    return out


def _circuit_gate(spec: FabricSpec, key: str, c: ProviderCircuit | DirectCircuit, deferred: tuple[str, ...]) -> Gate:
    stack = spec.stack
    rg = network_resource_group(spec)
    pp = c.private_peering
    peering = (f"VLAN {pp.vlan_id}, peer ASN {pp.peer_asn}, primary {pp.primary_prefix}, "
               f"secondary {pp.secondary_prefix}")
    record = f"pulumi config set --path 'carrier_state.{{section}}.{{key}}' provisioned --stack {stack}"
    if c.linked:
        return Gate(
            stack=stack, circuit=key, kind="owner", deferred=deferred,
            waits_for=f"the owner of {c.owner_circuit_id} to have its carrier provision it",
            instruction=(
                f"circuit {key} is owned by another subscription ({c.owner_circuit_id}); once its owner confirms "
                f"the carrier provisioned it, record it: `{record.format(section='circuits', key=key)}` and re-run "
                "`fabric rollout`"
            ),
        )
    if isinstance(c, DirectCircuit):
        port = spec.interconnect.ports[c.port]
        pname = port_name(stack, c.port)
        macsec = port.macsec
        keys = (f"; MACsec ({macsec.cipher}): your edge routers need the CAK and CKN of secret config "
                f"{macsec.cak_secret} and {macsec.ckn_secret} before the links come up" if macsec else "")
        return Gate(
            stack=stack, circuit=key, kind="cross-connect", port=c.port, deferred=deferred,
            waits_for=f"the colocation provider at {port.peering_location} to make the cross-connects of {pname}",
            instruction=(
                f"send the letter of authorization of {pname} (`{loa_command(spec, c.port)}`) to the colocation "
                f"provider at {port.peering_location}, who patches both links of the {port.bandwidth_gbps} Gbps port "
                f"pair ({port.encapsulation}) to your routers as the letter lists them{keys}; once the "
                f"cross-connects are in, record it: `{record.format(section='ports', key=c.port)}` (the program "
                f"then enables both links) and re-run `fabric rollout`; circuit {circuit_name(stack, key)} "
                f"({c.bandwidth_gbps} Gbps, {peering}) follows"
            ),
        )
    assert isinstance(c, ProviderCircuit)
    cname = circuit_name(stack, key)
    return Gate(
        stack=stack, circuit=key, kind="carrier", deferred=deferred,
        waits_for=f"{c.provider} to provision {cname}",
        instruction=(
            f"give service key <output circuit_service_keys.{key} of stack {stack}> (`pulumi stack output "
            f"circuit_service_keys --show-secrets --stack {stack}`) to {c.provider} to provision {cname} "
            f"(resource group {rg}) at {c.peering_location}, {bandwidth_label(c.bandwidth_mbps)}, {peering}; "
            "`fabric rollout` reads the provisioning state from Azure when it is re-run"
        ),
    )


def gates(specs: Mapping[str, FabricSpec], stacks: Iterable[str]) -> list[Gate]:
    return [g for name in stacks for g in stack_gates(specs[name], specs)]


def never_passing(specs: Mapping[str, FabricSpec], stacks: Iterable[str]) -> list[NeverPassing]:
    """Gates no carrier action opens, from the specs alone.

    A Global Reach link to a circuit that another subscription owns (linked by authorization key)
    needs that owner's authorization on the peering, which the program never declares: the link
    would wait forever. Its owner sets it up instead.
    """
    out: list[NeverPassing] = []
    for name in stacks:
        spec = specs[name]
        for key, link in spec.interconnect.global_reach.items():
            if not link.owned_by(spec.stack):
                continue
            peer = specs.get(link.peer_stack)
            if peer is None or link.peer_circuit not in peer.interconnect.circuits:
                continue  # the loader reports missing peers
            far = peer.interconnect.circuits[link.peer_circuit]
            if far.linked:
                out.append(NeverPassing(
                    spec.stack, ("ai-fabric:interconnect", "global_reach", key, "peer_circuit"), link.peer_circuit,
                    f"{link.peer_stack}/{link.peer_circuit} is linked from another subscription "
                    f"({far.owner_circuit_id}); this gate can never pass: Global Reach to it needs its owner's "
                    "authorization, so its owner sets the link up. Remove the link here (and in "
                    f"{link.peer_stack}) or link to a circuit {link.peer_stack} owns",
                ))
    return out
