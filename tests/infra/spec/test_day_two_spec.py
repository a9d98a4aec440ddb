"""Day-two spec: observability, MACsec, circuit authorizations and Direct locations, refused with the file, the
line, the key path, the value and what is allowed (exit 2 material), never a traceback."""

from __future__ import annotations

import datetime

import pytest

from infra.spec import ObservabilitySpec
from infra.stackfile import SpecError, load

WORKSPACE_ID = ("/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg-mon/providers/"
                "Microsoft.OperationalInsights/workspaces/law-central")
PARTNER = "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f7a8b9"


def issues_of(path):
    with pytest.raises(SpecError) as info:
        load(path)
    return info.value.issues


def only(issues, path):
    hits = [i for i in issues if i.path == path]
    assert len(hits) == 1, f"expected one issue at {path}, got {[str(i) for i in issues]}"
    return hits[0]


def auth(**fields):
    return {"subscription_id": PARTNER, "owner": "partner NOC", **fields}


# ------------------------------------------------------------------------------------------------
# Observability
# ------------------------------------------------------------------------------------------------


def test_every_default_of_observability_is_usable():
    obs = ObservabilitySpec()
    assert (obs.workspace.existing_id, obs.workspace.retention_days, obs.action_group) == (None, None, None)
    assert (obs.availability_pct, obs.gateway_cpu_pct, obs.severities.availability) == (90.0, 80, 1)


@pytest.mark.parametrize("section,path,fragment", [
    ({"action_group": {"short_name": "fabric-noc-eastus", "emails": {"noc": "noc@example.com"}}},
     "observability.action_group.short_name", "at most 12 characters"),
    ({"action_group": {"short_name": "noc", "emails": {"noc": "noc-at-example.com"}}},
     "observability.action_group.emails.noc", "'noc-at-example.com' is not an email address"),
    ({"action_group": {"short_name": "noc"}}, "observability.action_group",
     "an action group notifies at least one receiver"),
    ({"action_group": {"short_name": "noc", "emails": {"pager": "a@example.com"},
                       "webhooks": {"pager": {"uri_secret": "hook"}}}},
     "observability.action_group", "pager used for both an email and a webhook"),
    ({"workspace": {"existing_id": "/subscriptions/x/workspaces/law"}}, "observability.workspace",
     "is not a Log Analytics workspace ARM ID"),
    ({"workspace": {"existing_id": WORKSPACE_ID, "retention_days": 90}}, "observability.workspace",
     "retention_days applies to a workspace the stack creates"),
    ({"workspace": {"retention_days": 7}}, "observability.workspace.retention_days", "greater than or equal to 30"),
    ({"severities": {"gateway": 5}}, "observability.severities.gateway", "less than or equal to 4"),
    ({"availability_pct": 0}, "observability.availability_pct", "greater than 0"),
    ({"gateway_cpu_pct": "80"}, "observability.gateway_cpu_pct", "valid integer"),
])
def test_fails_when_the_observability_section_is_malformed(spec_data, spec_errors, section, path, fragment):
    spec_data["observability"] = section
    errors = spec_errors(spec_data)
    assert [e.path for e in errors] == [path], errors
    assert fragment in errors[0].msg


def test_an_existing_workspace_and_receivers_are_accepted(spec_data, make_spec):
    spec_data["observability"] = {"workspace": {"existing_id": WORKSPACE_ID},
                                  "action_group": {"short_name": "noc", "emails": {"noc": "noc@example.com"},
                                                   "webhooks": {"pager": {"uri_secret": "pagerUrl"}}}}
    spec = make_spec(spec_data)
    assert spec.observability.workspace.existing_id == WORKSPACE_ID
    assert spec.secret_keys()["pagerUrl"] == "https URL of webhook receiver pager of the site's action group"


def test_a_malformed_observability_section_is_reported_at_its_line(stack_file):
    f = stack_file("westus3")
    line = f.replace("        noc: fabric-noc@example.com\n", "        noc: fabric-noc(at)example.com\n")
    issue = only(issues_of(f.path), "ai-fabric:observability.action_group.emails.noc")
    assert (issue.line, issue.value) == (line, "fabric-noc(at)example.com")
    assert "is not an email address" in issue.message


def test_a_webhook_url_held_in_plain_text_is_refused_at_its_line(stack_file):
    f = stack_file("eastus")
    line = f.replace("  ai-fabric:pagerWebhookUrl:\n    secure: v1:Pq9Rs3Tu7Vw1Xy5Z:Ab4Cd8Ef2Gh6Ij0Kl3Mn7Op1Qr5St9Uv2Wx\n",
                     "  ai-fabric:pagerWebhookUrl: https://example.com/hook?token=abc\n")
    issue = only(issues_of(f.path), "ai-fabric:pagerWebhookUrl")
    assert issue.line == line and "plain text is refused" in issue.message
    assert "token=abc" not in str(issue)


# ------------------------------------------------------------------------------------------------
# Direct ports and MACsec
# ------------------------------------------------------------------------------------------------


def direct_spec(spec_data, macsec=None, location="Washington DC"):
    ic = spec_data["interconnect"]
    ic["ports"] = {"wdc-port": {"peering_location": location, "bandwidth_gbps": 100,
                                **({"macsec": macsec} if macsec is not None else {})}}
    ic["circuits"]["wdc"] = {"kind": "direct", "port": "wdc-port", "bandwidth_gbps": 40,
                             "private_peering": ic["circuits"]["wdc"]["private_peering"]}
    return spec_data


def test_macsec_defaults_to_an_xpn_256_bit_cipher_and_names_its_secret_keys(spec_data, make_spec):
    spec = make_spec(direct_spec(spec_data, {"cak_secret": "cakWdc", "ckn_secret": "cknWdc"}))
    mac = spec.interconnect.ports["wdc-port"].macsec
    assert (mac.cipher, mac.sci_state) == ("GcmAesXpn256", "Disabled")
    keys = spec.secret_keys()
    assert keys["cakWdc"].startswith("MACsec CAK of Direct port wdc-port (GcmAesXpn256)")
    assert keys["cknWdc"] == "MACsec CKN of Direct port wdc-port"


@pytest.mark.parametrize("macsec,path,fragment", [
    ({"cak_secret": "k", "ckn_secret": "k"}, "interconnect.ports.wdc-port.macsec",
     "cak_secret and ckn_secret both name 'k'"),
    ({"cak_secret": "a", "ckn_secret": "b", "cipher": "Aes256"}, "interconnect.ports.wdc-port.macsec.cipher",
     "'GcmAes128', 'GcmAes256', 'GcmAesXpn128' or 'GcmAesXpn256'"),
    ({"cak_secret": "a b", "ckn_secret": "b"}, "interconnect.ports.wdc-port.macsec.cak_secret", "invalid config key"),
    ({"ckn_secret": "b"}, "interconnect.ports.wdc-port.macsec.cak_secret", "Field required"),
])
def test_fails_when_macsec_is_malformed(spec_data, spec_errors, macsec, path, fragment):
    errors = spec_errors(direct_spec(spec_data, macsec))
    assert [e.path for e in errors] == [path], errors
    assert fragment in errors[0].msg


def test_fails_when_a_direct_port_is_at_a_location_without_expressroute_direct(spec_data, spec_errors):
    errors = spec_errors(direct_spec(spec_data, location="Washington DC2"))
    assert [e.path for e in errors] == ["interconnect.ports.wdc-port.peering_location"]
    assert "'Washington DC2' offers no ExpressRoute Direct ports" in errors[0].msg
    assert "Washington DC" in errors[0].msg.split("offered at ")[1]


def test_a_macsec_key_held_in_plain_text_is_refused_at_its_line(stack_file):
    f = stack_file("eastus")
    line = f.replace("  ai-fabric:macsecCakNyc:\n    secure: v1:Lp4Kq8Wr2Ts6Yu0I:Zx5Cv9Bn3Mq7As1Df4Gh8Jk2Lz6Xw0Ec3Rv\n",
                     "  ai-fabric:macsecCakNyc: " + "ab" * 32 + "\n")
    issue = only(issues_of(f.path), "ai-fabric:macsecCakNyc")
    assert issue.line == line and "key material: plain text is refused" in issue.message
    assert "abab" not in str(issue)


def test_a_missing_macsec_key_is_reported_where_the_spec_names_it(stack_file):
    f = stack_file("eastus")
    f.replace("  ai-fabric:macsecCknWdc:\n    secure: v1:Tb6Ne1Ow8Pq3Rs5U:Gd0Jh7Ka2Lm4Nz9Xc6Vb1Qw3Er8Ty5Ui2Op\n", "")
    issue = only(issues_of(f.path), "ai-fabric:interconnect.ports.wdc.macsec.ckn_secret")
    assert issue.line == f.line("ckn_secret: macsecCknWdc")
    assert "secret config key 'ai-fabric:macsecCknWdc' is not set" in issue.message


# ------------------------------------------------------------------------------------------------
# Circuit authorizations
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields,path,fragment", [
    ({}, "interconnect.circuits.wdc.authorizations.partner", "an authorization needs expires_on or rotate_by"),
    ({"owner": " ", "expires_on": "2027-01-01"}, "interconnect.circuits.wdc.authorizations.partner",
     "owner is blank"),
    ({"rotate_by": "2027-06-01", "expires_on": "2027-01-01"}, "interconnect.circuits.wdc.authorizations.partner",
     "rotate_by 2027-06-01 is after expires_on 2027-01-01"),
    ({"expires_on": "next year"}, "interconnect.circuits.wdc.authorizations.partner.expires_on", "valid date"),
    ({"subscription_id": "partner-sub", "expires_on": "2027-01-01"},
     "interconnect.circuits.wdc.authorizations.partner.subscription_id", "is not an Entra object ID"),
])
def test_fails_when_an_authorization_lacks_an_owner_or_an_end(spec_data, spec_errors, fields, path, fragment):
    spec_data["interconnect"]["circuits"]["wdc"]["authorizations"] = {"partner": auth(**fields)}
    errors = spec_errors(spec_data)
    assert [e.path for e in errors] == [path], errors
    assert fragment in errors[0].msg


def test_an_authorization_with_a_rotation_date_on_its_expiry_day_is_accepted(spec_data, make_spec):
    spec_data["interconnect"]["circuits"]["wdc"]["authorizations"] = {
        "partner": auth(rotate_by="2027-01-01", expires_on="2027-01-01")}
    a = make_spec(spec_data).interconnect.circuits["wdc"].authorizations["partner"]
    assert a.due == datetime.date(2027, 1, 1) and str(a.subscription_id) == PARTNER


def test_fails_when_a_linked_circuit_issues_authorizations(spec_data, spec_errors):
    spec_data["interconnect"]["circuits"]["nyc"].update({
        "owner_circuit_id": "/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/rg/providers/"
                            "Microsoft.Network/expressRouteCircuits/theirs",
        "authorization_key_secret": "authNyc", "authorizations": {"partner": auth(expires_on="2027-01-01")}})
    (error,) = spec_errors(spec_data)
    assert error.path == "interconnect.circuits.nyc" and "authorizations are issued by a circuit's owner" in error.msg


def test_a_standard_circuit_issues_at_most_nine_authorizations(spec_data, spec_errors, make_spec):
    circuit = spec_data["interconnect"]["circuits"]["wdc"]
    circuit["authorizations"] = {f"p{i}": auth(expires_on="2027-01-01") for i in range(9)}
    assert len(make_spec(spec_data).interconnect.circuits["wdc"].authorizations) == 9
    circuit["authorizations"]["p9"] = auth(expires_on="2027-01-01")
    (error,) = spec_errors(spec_data)
    assert "10 authorizations and the stack's own connection need 11 VNet links" in error.msg
    circuit["tier"] = "Premium"
    assert len(make_spec(spec_data).interconnect.circuits["wdc"].authorizations) == 10


def test_an_unquoted_date_in_the_stack_file_is_read_as_the_date_it_says(stack_file):
    f = stack_file("eastus")
    f.replace('rotate_by: "2027-05-31"', "rotate_by: 2027-05-31")
    spec = load(f.path).spec
    assert spec.interconnect.circuits["wdc"].authorizations["research-bu"].rotate_by == datetime.date(2027, 5, 31)
