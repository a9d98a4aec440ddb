"""`fabric new-site NAME --region REGION --like STACK`: a new stack file modelled on an existing site.

The copy keeps the model site's clusters, circuits, gateway, access and comments, and takes for itself
what must be unique across the fabric: an address space (same size, first free block of 10.0.0.0/8)
with its subnets at the same offsets, private peering /30s, VLANs free at each peering location, BGP key
secret names, and a Global Reach link to each peer circuit the model site links to, with a free /29.
What is the model site's own is dropped: its demands, its recorded carrier state and an explicit
resource group. The peers need the mirror of each new Global Reach link; they are printed, or written
with `--apply`. Nothing is written unless the whole fabric, with the new site (and the peers' entries),
validates: a bad result is bad input (exit 2) and leaves every file as it was.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import catalog, yamledit
from infra.sites.allocate import GLOBAL_REACH_POOL, PEERING_POOL, SITE_POOL, free_vlan, take, used_prefixes
from infra.spec import PROJECT
from infra.spec.fields import Name
from infra.spec.messages import did_you_mean
from infra.stackfile import SpecError, SpecIssue
from infra.workspace import Fabric, load_fabric

_CIRCUIT_SECRET = "bgp_key_secret"
_PLACEHOLDER = "set-me: pulumi config set --secret {key} <value>"


@dataclass
class NewSite:
    name: str
    region: str
    like: str
    path: Path
    text: str
    """The new stack file."""
    peer_links: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """peer stack -> {link name: Global Reach entry} it must add (the mirror of the new site's links)."""
    secrets: list[str] = field(default_factory=list)
    """Secret config keys the new stack names, which someone must set before `pulumi up`."""
    notes: list[str] = field(default_factory=list)


def _bad(what: str, value: Any, message: str) -> SpecError:
    return SpecError([SpecIssue("fabric new-site", None, what, value, message)])


def _camel(*parts: str) -> str:
    words = [w for p in parts for w in p.replace("_", "-").split("-") if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def plan(fabric: Fabric, stacks_dir: Path, name: str, region: str, like: str) -> NewSite:
    """The new site's stack file and what its peers need. Raises SpecError on bad input."""
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(Name).validate_python(name)
    except ValidationError as exc:
        raise _bad("NAME", name, str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    if name in fabric.stacks:
        raise _bad("NAME", name, f"stack {name} exists already ({fabric.stacks[name].file.display})")
    if like not in fabric.stacks:
        raise _bad("--like", like, f"no such stack; known: {', '.join(fabric.stacks)}." + did_you_mean(like, fabric.stacks))
    if region not in catalog.AZURE_REGIONS:
        raise _bad("--region", region, f"unknown Azure region; allowed: {', '.join(sorted(catalog.AZURE_REGIONS))}."
                   + did_you_mean(region, catalog.AZURE_REGIONS))
    model = fabric.stacks[like]
    specs = [s.spec for s in fabric.stacks.values()]
    used = used_prefixes(specs)
    y, doc = yamledit.load(model.file.path.read_text(encoding="utf-8"))
    config = doc["config"]
    site = NewSite(name=name, region=region, like=like, path=stacks_dir / f"Pulumi.{name}.yaml", text="")

    # The site: region, location, an address space of the model's sizes, subnets at the same offsets.
    config["azure-native:location"] = region
    site_cfg = config[f"{PROJECT}:site"]
    site_cfg["region"] = region
    old_spaces = list(model.spec.site.address_space)
    new_spaces = [take(SITE_POOL, s.prefixlen, used) for s in old_spaces]
    spaces = site_cfg["address_space"]
    for i, net in enumerate(new_spaces):
        spaces[i] = str(net)

    def moved(prefix: str) -> str:
        import ipaddress

        net = ipaddress.IPv4Network(prefix)
        for old, new in zip(old_spaces, new_spaces):
            if net.subnet_of(old):
                offset = int(net.network_address) - int(old.network_address)
                return str(ipaddress.IPv4Network((int(new.network_address) + offset, net.prefixlen)))
        return prefix

    if "resource_group" in site_cfg:
        del site_cfg["resource_group"]
        site.notes.append(f"{like} names its resource group explicitly; {name} uses rg-ai-fabric-{name}")
    for cluster in (config.get(f"{PROJECT}:clusters") or {}).values():
        cluster["subnet"] = moved(str(cluster["subnet"]))
    interconnect = config[f"{PROJECT}:interconnect"]
    interconnect["gateway"]["subnet"] = moved(str(interconnect["gateway"]["subnet"]))

    # Circuits: fresh /30s, VLANs free at their location, BGP key names of their own.
    taken_vlans: dict[str, set[int]] = {}
    renamed_secrets: dict[str, str] = {}
    ic = model.spec.interconnect
    for key, circuit in interconnect["circuits"].items():
        pp = circuit["private_peering"]
        pp["primary_prefix"] = str(take(PEERING_POOL, 30, used, exclude=[GLOBAL_REACH_POOL]))
        pp["secondary_prefix"] = str(take(PEERING_POOL, 30, used, exclude=[GLOBAL_REACH_POOL]))
        location = ic.peering_location_of(key)
        vlans = taken_vlans.setdefault(location, set())
        pp["vlan_id"] = free_vlan(specs, location, vlans)
        vlans.add(pp["vlan_id"])
        if pp.get(_CIRCUIT_SECRET):
            new_key = "bgpKey" + _camel(name, key)
            renamed_secrets[str(pp[_CIRCUIT_SECRET])] = new_key
            pp[_CIRCUIT_SECRET] = new_key
        if circuit.get("owner_circuit_id"):
            site.notes.append(f"circuit {key} is linked from another subscription in {like}: get {name} its own "
                              "authorization from that circuit's owner")
    for old_key, new_key in renamed_secrets.items():
        if f"{PROJECT}:{old_key}" in config:
            del config[f"{PROJECT}:{old_key}"]
        config[f"{PROJECT}:{new_key}"] = {"secure": _PLACEHOLDER.format(key=new_key)}
        site.secrets.append(new_key)

    # Global Reach: the new site joins every peer circuit the model site joins, each with a free /29.
    links = interconnect.get("global_reach") or {}
    new_links: dict[str, Any] = {}
    for link in ic.global_reach.values():
        prefix = str(take(GLOBAL_REACH_POOL, 29, used))
        key = f"to-{link.peer_stack}-{link.peer_circuit}"
        new_links[key] = {"circuit": link.circuit, "peer_stack": link.peer_stack,
                          "peer_circuit": link.peer_circuit, "prefix": prefix}
        site.peer_links.setdefault(link.peer_stack, {})[f"to-{name}-{link.circuit}"] = {
            "circuit": link.peer_circuit, "peer_stack": name, "peer_circuit": link.circuit, "prefix": prefix}
    if links:
        links.clear()
        links.update(new_links)

    # What was the model site's own.
    for own in (f"{PROJECT}:demands", f"{PROJECT}:carrier_state"):
        if own in config:
            del config[own]
    today = dt.date.today().isoformat()
    doc.yaml_set_start_comment(
        f"{name}: a site in {region}, made by `fabric new-site {name} --region {region} --like {like}` on {today}.\n"
        f"Copied from {like}: review the clusters (SKU, quota, zone), the circuits' peering locations for\n"
        f"{region}, the access grants and datasets, and add this site's demands before deploying."
    )
    site.text = yamledit.dump(y, doc)
    return site


def write(stacks_dir: Path, site: NewSite, apply_peers: bool) -> list[Path]:
    """Validate the fabric with the new site (and the peers' entries when applied) in a scratch copy of
    the stacks directory, then write for real. Raises SpecError, writing nothing, when it does not validate."""
    with tempfile.TemporaryDirectory(prefix="fabric-new-site-") as scratch:
        trial = Path(scratch) / "stacks"
        shutil.copytree(stacks_dir, trial)
        written = _write_into(trial, site, apply_peers)
        load_fabric(trial)  # SpecError on any bad input across the fabric
    written = _write_into(stacks_dir, site, apply_peers)
    return written


def _write_into(stacks_dir: Path, site: NewSite, apply_peers: bool) -> list[Path]:
    path = stacks_dir / site.path.name
    path.write_text(site.text, encoding="utf-8")
    out = [path]
    if not apply_peers:
        return out
    for peer, entries in site.peer_links.items():
        peer_path = stacks_dir / f"Pulumi.{peer}.yaml"
        y, doc = yamledit.load(peer_path.read_text(encoding="utf-8"))
        interconnect = doc["config"][f"{PROJECT}:interconnect"]
        if interconnect.get("global_reach") is None:
            interconnect["global_reach"] = {}
        for key, entry in entries.items():
            interconnect["global_reach"][key] = entry
        peer_path.write_text(yamledit.dump(y, doc), encoding="utf-8")
        out.append(peer_path)
    return out


def peer_snippets(site: NewSite) -> str:
    """What each peer stack must add under ai-fabric:interconnect.global_reach, as YAML to paste."""
    lines = []
    for peer, entries in site.peer_links.items():
        lines.append(f"# stacks/Pulumi.{peer}.yaml, under ai-fabric:interconnect.global_reach:")
        for key, entry in entries.items():
            lines.append(f"      {key}:")
            lines += [f"        {k}: {v}" for k, v in entry.items()]
    return "\n".join(lines)
