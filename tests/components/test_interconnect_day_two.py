"""PrivateInterconnect on day two: MACsec keys in Key Vault read by the port's identity, and authorizations
issued to other subscriptions with their keys kept secret. Asserted on the recorded inventory."""

from __future__ import annotations

import pytest

from components import interconnect as ic
from infra import offline
from infra.inventory import SECRET
from infra.tokens import CIRCUIT_AUTHORIZATION, KEY_VAULT, KEY_VAULT_SECRET, PORT, USER_ASSIGNED_IDENTITY


@pytest.fixture(scope="module")
def east(plan_shipped):
    return plan_shipped("eastus")


def test_macsec_keys_are_key_vault_secrets_from_secret_config(east):
    secrets = {s.inputs["secretName"]: s for s in east.of_type(KEY_VAULT_SECRET)}
    assert set(secrets) == {f"erd-eastus-{p}-{k}" for p in ("wdc", "nyc") for k in ("cak", "ckn")}
    (vault,) = east.of_type(KEY_VAULT)
    for s in secrets.values():
        assert s.inputs["properties"] == SECRET and "properties" in s.secret_inputs
        assert s.inputs["vaultName"] == vault.inputs["vaultName"] and vault.urn in s.dependencies


def test_each_link_reads_its_ports_own_keys_by_versioned_uri(east):
    secrets = {s.inputs["secretName"]: s for s in east.of_type(KEY_VAULT_SECRET)}
    vault = east.of_type(KEY_VAULT)[0].inputs["vaultName"]
    for key in ("wdc", "nyc"):
        port = east.named(f"interconnect-port-{key}")
        for link in port.inputs["links"]:
            cfg = link["macSecConfig"]
            for which in ("cak", "ckn"):
                uri = cfg[f"{which}SecretIdentifier"]
                assert uri.startswith(f"https://{vault}.vault.azure.net/secrets/erd-eastus-{key}-{which}/")
                assert len(uri.rsplit("/", 1)[1]) == 32  # a version: a new key is a new URI, applied by an update
                assert secrets[f"erd-eastus-{key}-{which}"].urn in port.dependencies
            assert (cfg["cipher"], cfg["sciState"]) == ("GcmAesXpn256", "Disabled")


def test_the_port_identity_may_only_get_secrets_from_a_purge_protected_vault(east):
    (identity,) = [r for r in east.of_type(USER_ASSIGNED_IDENTITY) if r.name == "interconnect-macsec-identity"]
    for port in east.of_type(PORT):
        assert port.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
    props = east.of_type(KEY_VAULT)[0].inputs["properties"]
    (policy,) = props["accessPolicies"]
    assert policy["objectId"] == offline.stable_uuid("eastus", "principal", identity.id)
    assert policy["permissions"] == {"secrets": ["get"]}
    assert (props["enableRbacAuthorization"], props["enablePurgeProtection"], props["enableSoftDelete"]) == (
        False, True, True)
    assert props["networkAcls"] == {"bypass": "AzureServices", "defaultAction": "Deny"}
    assert props["publicNetworkAccess"] == "Enabled"  # the MACsec guide: no private endpoint


def test_the_key_vault_name_is_global_so_it_carries_a_hash_of_subscription_and_stack():
    a = ic.key_vault_name("eastus", "00000000-0000-4000-8000-00000000a1fa")
    assert a == ic.key_vault_name("eastus", "00000000-0000-4000-8000-00000000a1fa")
    assert a != ic.key_vault_name("eastus", "11111111-0000-4000-8000-00000000a1fa")
    long = ic.key_vault_name("a" * 40, "00000000-0000-4000-8000-00000000a1fa")
    assert len(long) <= 24 and long.startswith("kv-") and not long.endswith("-")


def test_a_site_without_macsec_has_no_vault_and_plain_links(plan_shipped):
    inv = plan_shipped("southcentralus")
    assert inv.of_type(KEY_VAULT) == [] and inv.of_type(KEY_VAULT_SECRET) == []


def test_authorizations_are_issued_on_the_circuit_with_their_keys_only_in_a_secret_output(east):
    (auth,) = east.of_type(CIRCUIT_AUTHORIZATION)
    assert (auth.inputs["circuitName"], auth.inputs["authorizationName"]) == ("erc-eastus-wdc", "research-bu")
    assert east.named("interconnect-circuit-wdc").urn in auth.dependencies
    assert "authorizationKey" not in auth.inputs  # Azure makes the key
    assert east.exports["circuit_authorization_keys"] == SECRET
    assert east.exports["circuit_authorizations"] == {"wdc": {"research-bu": {
        "subscription_id": "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f7a8b9",
        "owner": "Research BU network team <research-net@example.com>",
        "expires_on": "2027-11-30", "rotate_by": "2027-05-31"}}}
