"""GpuCluster: an ND-series cluster as InfiniBand scale sets in its own subnet.

One cluster is:

- ``<name>-subnet``: the cluster's subnet in the site VNet (sized by the spec; capacity checks it holds
  the VMs, Azure's 5 reserved addresses and the declared headroom), associated with
- ``<name>-nsg``: an NSG in the cluster's resource group that denies inbound from the Internet;
- ``<name>-ppg``: a proximity placement group for the SKU, in the cluster's zone;
- ``<name>-identity``: the user-assigned managed identity of the training workload (the program grants
  it data-plane read on the cluster's datasets, through EntraAccess);
- ``<name>-ib-<i>``: one Uniform scale set per InfiniBand domain (``spec.ib_domain_sizes()``), each a
  single placement group inside the proximity placement group.

Day two: a re-apply never takes a scale set below the VM count operators set while draining or replacing
nodes. Each run reads the scale set's current count from Azure and declares the larger of it and the spec's
(``kept_capacity``): a spec that asks for more scales out, a spec that asks for fewer changes nothing (scaling
in is done by deleting the chosen instances, then lowering the spec), and an update never carries a stale
count (an update carrying an old ``sku.capacity`` is how re-applies reset scale sets: catalog.STALE_CAPACITY_SOURCE).
Automatic repairs stay off (catalog.AUTOMATIC_REPAIRS), so nothing else changes the count behind the program.

Child names are a contract: renaming one replaces the resource, so a rename needs an alias.

The component also registers its capacity claim (SKU, VMs, GPUs, IB domains) as its own inputs, and
tags each scale set with its placement-group limit, so that infra.invariants.compute can check the
declared resources against the claim from the inventory alone (no spec needed, as in the policy pack).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import compute, managedidentity, network

from components.context import SiteContext
from infra import catalog
from infra.spec import GpuClusterSpec
from infra.spec.compute import parse_ssh_public_key
from infra.tokens import GPU_CLUSTER as TOKEN


IMAGE_PUBLISHER = "microsoft-dsvm"
"""Publisher of the Azure HPC images (ubuntu-hpc), which ship the InfiniBand (MOFED), GPU and NCCL stack."""

ADMIN_USERNAME = "azureuser"

MAX_VMS_TAG = "ib-placement-group-max-vms"
"""Tag on each scale set: the placement-group limit it was sized against (100, or up to 300 where Azure
raised it). Carried on the resource so the resource-level invariant can check it without the spec."""
CLUSTER_TAG = "gpu-cluster"
IB_DOMAIN_TAG = "ib-domain"

NSG_DENY_INTERNET_PRIORITY = 100
"""Lowest number of the cluster's rules, so no later allow rule can take precedence over it."""
NSG_ALLOW_VNET_PRIORITY = 200

# Entra ID login to Linux (articles/active-directory/devices/howto-vm-sign-in-azure-ad-linux.md): the
# AADSSHLoginForLinux extension, and a system-assigned identity on the VM.
ENTRA_LOGIN_EXTENSION = {
    "name": "AADSSHLoginForLinux",
    "publisher": "Microsoft.Azure.ActiveDirectory",
    "type": "AADSSHLoginForLinux",
    "type_handler_version": "1.0",
}

_NO_PRIVATE_KEY_LABEL = b"ai-fabric: admin key with no private half"


def unusable_ssh_public_key() -> str:
    """An RSA-4096 public key that nobody holds the private key of.

    Azure refuses a Linux profile with password authentication disabled and no SSH key ("Authentication
    using either SSH or by user name and password must be enabled in Linux profile", target
    linuxConfiguration). People log in with Entra ID instead, so the admin account gets this key: its
    modulus is SHA-512 in counter mode over a fixed public label, so nobody chose its factors, and a
    private key would take factoring a 4096-bit number of no special form. It is the same on every run
    (no diff) and anyone can re-derive it to check.
    """
    bits = 4096
    stream = b"".join(
        hashlib.sha512(_NO_PRIVATE_KEY_LABEL + i.to_bytes(4, "big")).digest() for i in range(bits // 512)
    )
    modulus = int.from_bytes(stream, "big") | (1 << (bits - 1)) | 1

    def field(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    def mpint(n: int) -> bytes:
        return field(n.to_bytes(n.bit_length() // 8 + 1, "big"))

    blob = field(b"ssh-rsa") + mpint(65537) + mpint(modulus)
    return f"ssh-rsa {base64.b64encode(blob).decode()} ai-fabric-no-private-key"


def scale_set_name(cluster: str, index: int) -> str:
    """Azure name of a cluster's scale set for InfiniBand domain `index`."""
    return f"vmss-{cluster}-ib-{index}"


def kept_capacity(spec_vms: int, live_vms: int | None) -> int:
    """The VM count a run declares: the spec's, or what Azure has if that is more (never scale in)."""
    return spec_vms if live_vms is None else max(spec_vms, live_vms)


def read_live_capacity(resource_group: str, scale_set: str) -> int | None:
    """The scale set's current VM count in Azure; None when it (or its resource group) does not exist yet.

    Any other failure stops the program: guessing a count could scale a cluster in."""
    try:
        found = compute.get_virtual_machine_scale_set(resource_group_name=resource_group, vm_scale_set_name=scale_set)
    except Exception as exc:  # noqa: BLE001 - the invoke raises plain exceptions; only not-found is expected
        if any(code in str(exc) for code in catalog.NOT_FOUND_CODES.value):
            return None
        raise pulumi.RunError(
            f"cannot read the VM count of scale set {scale_set} in {resource_group} from Azure, so a re-apply could "
            f"scale it below what operators set; fix access and run again: {exc}"
        ) from None
    sku = getattr(found, "sku", None)
    capacity = sku.get("capacity") if isinstance(sku, dict) else getattr(sku, "capacity", None)
    if isinstance(capacity, bool) or not isinstance(capacity, (int, float)):
        return None
    return int(capacity)


@dataclass(frozen=True)
class GpuClusterArgs:
    spec: GpuClusterSpec
    site: SiteContext
    resource_group_name: pulumi.Input[str]
    """The cluster's own resource group (scale sets, placement group, identity, NSG)."""
    sku: catalog.GpuSku
    """The SKU as this stack's catalog states it (overrides applied)."""
    live_capacity_resource_group: str | None = None
    """The cluster resource group's name, to read each scale set's current VM count from Azure at every run
    (the count operators may have changed); the program passes it. None: no read, the spec's counts as they
    are (a cluster that does not exist yet, or a test)."""
    admin_ssh_public_key: str | None = None
    """OpenSSH public key of the local admin account 'azureuser' (break-glass access), e.g. the contents
    of id_rsa.pub; RSA of 2048 bits or more, or Ed25519. Not a secret. None (the default): nobody can
    log in as the local admin; people log in with their Entra ID (AADSSHLoginForLinux), authorised by
    the 'Virtual Machine User/Administrator Login' roles. Password login is disabled either way."""

    def __post_init__(self) -> None:
        if self.sku.name != self.spec.sku:
            raise ValueError(f"GpuClusterArgs.sku is {self.sku.name} but the cluster spec says {self.spec.sku}")
        if self.admin_ssh_public_key is not None:
            object.__setattr__(self, "admin_ssh_public_key", parse_ssh_public_key(self.admin_ssh_public_key))


class GpuCluster(pulumi.ComponentResource):
    """An ND-series GPU cluster: InfiniBand scale sets in a proximity placement group, in their own subnet."""

    subnet: network.Subnet
    nsg: network.NetworkSecurityGroup
    placement_group: compute.ProximityPlacementGroup
    identity: managedidentity.UserAssignedIdentity
    scale_sets: list[compute.VirtualMachineScaleSet]

    def __init__(self, name: str, args: GpuClusterArgs, opts: pulumi.ResourceOptions | None = None):
        spec, sku, site = args.spec, args.sku, args.site
        spec_domains = spec.ib_domain_sizes()
        live = [
            read_live_capacity(args.live_capacity_resource_group, scale_set_name(name, i))
            if args.live_capacity_resource_group else None
            for i in range(len(spec_domains))
        ]
        domains = [kept_capacity(want, have) for want, have in zip(spec_domains, live)]
        for i, (want, have) in enumerate(zip(spec_domains, live)):
            if have is not None and have > want:
                pulumi.log.warn(
                    f"{scale_set_name(name, i)} has {have} VMs in Azure and the spec asks for {want}: keeping {have}. "
                    "A re-apply never scales a GPU scale set in; to remove VMs, delete the chosen instances "
                    f"(`az vmss delete-instances --name {scale_set_name(name, i)} --instance-ids ...`), then lower the "
                    "cluster's vm_count/gpu_count in the stack file"
                )
        vms = sum(domains)
        # The capacity claim, registered as the component's inputs: the inventory then carries what
        # the cluster promises next to what it declares (see infra.invariants.compute, gpu-count).
        claim = {
            "sku": sku.name,
            "vms": vms,
            "gpus": vms * sku.gpus_per_vm,
            "gpusPerVm": sku.gpus_per_vm,
            "cpuSockets": vms * sku.cpu_sockets,
            "ibGbpsPerVm": sku.ib_gbps_per_vm,
            "ibDomains": len(domains),
            "ibDomainVms": list(domains),
            "placementGroupMaxVms": spec.placement_group_max_vms,
            # The spec's counts and those read from Azure (null: not read, or no scale set yet): the declared
            # capacity is the larger of each pair (infra.invariants.operations, gpu-capacity-kept).
            "specDomainVms": list(spec_domains),
            "liveDomainVms": list(live),
        }
        super().__init__(TOKEN, name, claim, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = site.tags_for("gpu-cluster")
        zones = [spec.zone] if spec.zone else None

        # Internet inbound is denied explicitly, first; traffic from the VNet (which includes the
        # sites reached over ExpressRoute) is allowed explicitly, so the cluster stays reachable for
        # operators and cross-site traffic even if someone adds a broad deny below it. InfiniBand does
        # not pass through NSGs: it is a separate fabric.
        self.nsg = network.NetworkSecurityGroup(
            f"{name}-nsg",
            network_security_group_name=f"nsg-{name}",
            resource_group_name=args.resource_group_name,
            location=site.region,
            security_rules=[
                network.SecurityRuleArgs(
                    name="deny-internet-inbound",
                    description="GPU nodes are never reachable from the Internet",
                    priority=NSG_DENY_INTERNET_PRIORITY,
                    direction="Inbound",
                    access="Deny",
                    protocol="*",
                    source_address_prefix="Internet",
                    source_port_range="*",
                    destination_address_prefix="*",
                    destination_port_range="*",
                ),
                network.SecurityRuleArgs(
                    name="allow-vnet-inbound",
                    description="The site VNet and the sites reached over ExpressRoute",
                    priority=NSG_ALLOW_VNET_PRIORITY,
                    direction="Inbound",
                    access="Allow",
                    protocol="*",
                    source_address_prefix="VirtualNetwork",
                    source_port_range="*",
                    destination_address_prefix="VirtualNetwork",
                    destination_port_range="*",
                ),
            ],
            tags=tags,
            opts=child,
        )
        self.subnet = site.subnet(
            f"{name}-subnet",
            subnet_name=f"snet-{name}",
            address_prefix=str(spec.subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=self.nsg.id),
            opts=child,
        )
        # The intent pins the placement group to hardware that offers the SKU; the zone keeps it (and
        # every scale set in it) in the cluster's zone, as InfiniBand never spans zones.
        self.placement_group = compute.ProximityPlacementGroup(
            f"{name}-ppg",
            proximity_placement_group_name=f"ppg-{name}",
            resource_group_name=args.resource_group_name,
            location=site.region,
            proximity_placement_group_type="Standard",
            intent=compute.ProximityPlacementGroupPropertiesIntentArgs(vm_sizes=[sku.name]),
            zones=zones,
            tags=tags,
            opts=child,
        )
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"id-{name}",
            resource_group_name=args.resource_group_name,
            location=site.region,
            tags=tags,
            opts=child,
        )
        admin_key = args.admin_ssh_public_key or unusable_ssh_public_key()
        self.scale_sets = [
            self._scale_set(name, i, size, args, admin_key, tags, zones, child)
            for i, size in enumerate(domains)
        ]

        self.subnet_id: pulumi.Output[str] = self.subnet.id
        self.nsg_id: pulumi.Output[str] = self.nsg.id
        self.placement_group_id: pulumi.Output[str] = self.placement_group.id
        self.identity_id: pulumi.Output[str] = self.identity.id
        # The training identity; the program grants it dataset read through EntraAccess.
        self.identity_principal_id: pulumi.Output[str] = self.identity.principal_id
        self.scale_set_ids: pulumi.Output[list[str]] = pulumi.Output.all(*(s.id for s in self.scale_sets))
        self.gpus: pulumi.Output[int] = pulumi.Output.from_input(claim["gpus"])
        self.vms: pulumi.Output[int] = pulumi.Output.from_input(vms)
        self.ib_domains: pulumi.Output[int] = pulumi.Output.from_input(len(domains))
        self.ib_gbps_per_vm: pulumi.Output[int] = pulumi.Output.from_input(sku.ib_gbps_per_vm)
        self.cpu_sockets: pulumi.Output[int] = pulumi.Output.from_input(claim["cpuSockets"])
        self.register_outputs({
            "subnet_id": self.subnet_id,
            "nsg_id": self.nsg_id,
            "placement_group_id": self.placement_group_id,
            "identity_id": self.identity_id,
            "identity_principal_id": self.identity_principal_id,
            "scale_set_ids": self.scale_set_ids,
            "gpus": self.gpus,
            "vms": self.vms,
            "ib_domains": self.ib_domains,
            "ib_gbps_per_vm": self.ib_gbps_per_vm,
            "cpu_sockets": self.cpu_sockets,
        })

    def _scale_set(
        self,
        name: str,
        index: int,
        capacity: int,
        args: GpuClusterArgs,
        admin_key: str,
        tags: dict[str, str],
        zones: Sequence[str] | None,
        opts: pulumi.ResourceOptions,
    ) -> compute.VirtualMachineScaleSet:
        spec, sku, site = args.spec, args.sku, args.site
        # Uniform orchestration: InfiniBand links only the VMs of one scale set, and only a Uniform set
        # with a single placement group is one IB fabric. The orchestration-modes comparison lists
        # "Infiniband Networking: Flexible No; Uniform Yes, single placement group only; Availability
        # sets Yes" (articles/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes.md),
        # and Flexible sets cannot set singlePlacementGroup at all.
        return compute.VirtualMachineScaleSet(
            f"{name}-ib-{index}",
            vm_scale_set_name=scale_set_name(name, index),
            resource_group_name=args.resource_group_name,
            location=site.region,
            orchestration_mode="Uniform",
            sku=compute.SkuArgs(name=sku.name, tier="Standard", capacity=capacity),
            # One placement group = one InfiniBand fabric; 100 VMs by default, up to 300 once raised.
            single_placement_group=True,
            # Max spreading. Fixed spreading (the regional Uniform default, 5) fails the request when
            # Azure cannot find that many fault domains (virtual-machine-scale-sets-manage-fault-domains.md),
            # which a placement group packed into one proximity group and IB fabric cannot promise.
            platform_fault_domain_count=1,
            # Overprovisioned extra VMs would land in (and then leave) the IB fabric and count against
            # the placement-group limit.
            overprovision=False,
            proximity_placement_group=compute.SubResourceArgs(id=self.placement_group.id),
            zones=list(zones) if zones else None,
            # Training jobs own the nodes: model changes roll out when an operator reimages them.
            upgrade_policy=compute.UpgradePolicyArgs(mode=compute.UpgradeMode.MANUAL),
            # If the count does go down (an operator scaling in), the newest VMs go first: replacements not yet
            # in a training job (catalog.GPU_SCALE_IN_RULE). No automatic repairs (catalog.AUTOMATIC_REPAIRS).
            scale_in_policy=compute.ScaleInPolicyArgs(rules=[catalog.GPU_SCALE_IN_RULE.value], force_deletion=False),
            # System-assigned for Entra ID login (the extension needs it); user-assigned for the
            # training workload's data access, one per cluster and stable across reimages.
            identity=compute.VirtualMachineScaleSetIdentityArgs(
                type=compute.ResourceIdentityType.SYSTEM_ASSIGNED_USER_ASSIGNED,
                user_assigned_identities=[self.identity.id],
            ),
            virtual_machine_profile=compute.VirtualMachineScaleSetVMProfileArgs(
                storage_profile=compute.VirtualMachineScaleSetStorageProfileArgs(
                    image_reference=compute.ImageReferenceArgs(
                        # Pinned (never 'latest'): the image carries the GPU driver, NCCL and InfiniBand
                        # stack, which must not change under a running cluster at a reimage or scale-out.
                        publisher=IMAGE_PUBLISHER, offer=sku.image_offer, sku=sku.image_sku,
                        version=spec.pinned_image_version,
                    ),
                    os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                        create_option="FromImage",
                        caching=compute.CachingTypes.READ_WRITE,
                        managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                            storage_account_type="Premium_LRS",
                        ),
                    ),
                ),
                os_profile=compute.VirtualMachineScaleSetOSProfileArgs(
                    computer_name_prefix=f"{name}-ib{index}-",
                    admin_username=ADMIN_USERNAME,
                    linux_configuration=compute.LinuxConfigurationArgs(
                        disable_password_authentication=True,
                        provision_vm_agent=True,
                        ssh=compute.SshConfigurationArgs(public_keys=[
                            compute.SshPublicKeyArgs(
                                path=f"/home/{ADMIN_USERNAME}/.ssh/authorized_keys", key_data=admin_key,
                            ),
                        ]),
                    ),
                ),
                # The Ethernet NIC only: the InfiniBand HCAs come with the size (SR-IOV), not as NICs.
                # No publicIPAddressConfiguration: nodes are reached over the VNet and ExpressRoute only.
                network_profile=compute.VirtualMachineScaleSetNetworkProfileArgs(
                    network_interface_configurations=[
                        compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                            name=f"{name}-nic",
                            primary=True,
                            enable_accelerated_networking=True,
                            ip_configurations=[
                                compute.VirtualMachineScaleSetIPConfigurationArgs(
                                    name=f"{name}-ipconfig",
                                    primary=True,
                                    subnet=compute.ApiEntityReferenceArgs(id=self.subnet.id),
                                ),
                            ],
                        ),
                    ],
                ),
                # Encrypts the temp disk and the OS disk cache on the host as well.
                security_profile=compute.SecurityProfileArgs(encryption_at_host=True),
                extension_profile=compute.VirtualMachineScaleSetExtensionProfileArgs(
                    extensions=[
                        compute.VirtualMachineScaleSetExtensionArgs(
                            **ENTRA_LOGIN_EXTENSION, auto_upgrade_minor_version=True,
                        ),
                    ],
                ),
            ),
            tags={
                **tags,
                CLUSTER_TAG: name,
                IB_DOMAIN_TAG: str(index),
                MAX_VMS_TAG: str(spec.placement_group_max_vms),
            },
            opts=opts,
        )
