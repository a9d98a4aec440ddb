"""The secret config keys a stack needs, and the exact commands that give a new stack its own.

The shipped stack files hold ``secure:`` values so that they are complete examples, but no key anyone
has decrypts them: they carry no ``encryptionsalt`` (passphrase provider), ``encryptedkey`` (a cloud
KMS such as Azure Key Vault) or ``secretsprovider``. A team makes a stack its own by initialising it on
its backend (which records its secrets provider in the stack file) and setting every key the spec
names again, which replaces each placeholder with a value encrypted for that team. The offline engine
never decrypts anything, so plans and tests work either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from infra.spec import DirectCircuit, ProviderCircuit
from infra.stackfile import LoadedStack

ENCRYPTION_KEYS = ("encryptionsalt", "encryptedkey", "secretsprovider")
"""Top-level stack-file keys that tie its `secure:` values to a secrets provider."""


@dataclass(frozen=True)
class SecretKey:
    stack: str
    key: str
    purpose: str
    set_in_file: bool
    """The stack file has a `secure:` value for it (which may still be a placeholder)."""

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "key": self.key, "purpose": self.purpose, "set_in_file": self.set_in_file}


@dataclass(frozen=True)
class StackSecrets:
    stack: str
    keys: tuple[SecretKey, ...]
    provider_recorded: bool
    """The stack file names how its secrets are encrypted; False: the values are shipped placeholders."""

    def commands(self) -> list[str]:
        out = []
        if not self.provider_recorded:
            out.append(f"pulumi stack init {self.stack}   # passphrase: export PULUMI_CONFIG_PASSPHRASE first; or "
                       "--secrets-provider 'azurekeyvault://<vault>.vault.azure.net/keys/<key>'")
        for k in self.keys:
            out.append(f"pulumi config set --secret --stack {self.stack} {k.key}   # prompts for it; {k.purpose}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "provider_recorded": self.provider_recorded,
                "keys": [k.to_json() for k in self.keys], "commands": self.commands()}


def stack_secrets(stack: LoadedStack) -> StackSecrets:
    spec = stack.spec
    keys: dict[str, str] = {}
    for name, c in spec.interconnect.circuits.items():
        pp = c.private_peering
        where = (c.peering_location if isinstance(c, ProviderCircuit)
                 else spec.interconnect.ports[c.port].peering_location if isinstance(c, DirectCircuit) else "")
        if pp.bgp_key_secret:
            who = c.provider if isinstance(c, ProviderCircuit) else "your edge routers"
            keys.setdefault(pp.bgp_key_secret, (
                f"BGP MD5 key of circuit {name}'s private peering at {where}: agree it with {who}, who sets the same "
                "key on the other end of the session"
            ))
        if c.authorization_key_secret:
            keys.setdefault(c.authorization_key_secret, (
                f"authorization key the owner of {c.owner_circuit_id} issued for circuit {name} "
                "(`az network express-route auth create` on their side)"
            ))
    return StackSecrets(
        stack=spec.stack,
        keys=tuple(SecretKey(spec.stack, k, why, stack.file.is_secure(k)) for k, why in sorted(keys.items())),
        provider_recorded=provider_recorded(stack),
    )


def provider_recorded(stack: LoadedStack) -> bool:
    """Whether the stack file names its secrets provider (read from the file's top level)."""
    try:
        data = yaml.safe_load(stack.file.path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, Mapping) and any(k in data for k in ENCRYPTION_KEYS)
