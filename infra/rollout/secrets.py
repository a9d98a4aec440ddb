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

from infra.stackfile import LoadedStack

ENCRYPTION_KEYS = ("encryptionsalt", "encryptedkey", "secretsprovider")
"""Top-level stack-file keys that tie its `secure:` values to a secrets provider."""


def set_command(stack: str, key: str) -> str:
    """The command that sets one secret key; without a value on the command line Pulumi prompts for it (or
    reads it from stdin), so the secret never lands in the shell's history."""
    return f"pulumi config set --secret --stack {stack} {key}"


@dataclass(frozen=True)
class SecretKey:
    stack: str
    key: str
    purpose: str
    """What the key holds, as the spec says it (FabricSpec.secret_keys)."""
    set_in_file: bool
    """The stack file has a `secure:` value for it (which may still be a shipped placeholder). The loader refuses
    a file without one (or with plain text), so a loaded stack has every key set; the flag is kept for readers
    of the JSON."""

    @property
    def command(self) -> str:
        return set_command(self.stack, self.key)

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "key": self.key, "purpose": self.purpose, "set_in_file": self.set_in_file,
                "command": self.command}


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
            out.append(f"{k.command}   # prompts for it; {k.purpose}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "provider_recorded": self.provider_recorded,
                "keys": [k.to_json() for k in self.keys], "commands": self.commands()}


def stack_secrets(stack: LoadedStack) -> StackSecrets:
    """Every secret config key the stack's spec names (FabricSpec.secret_keys, the list the program reads with
    require_secret: BGP keys, authorization keys redeemed, MACsec CAK and CKN, webhook URLs), sorted by key."""
    spec = stack.spec
    wanted = spec.secret_keys()
    return StackSecrets(
        stack=spec.stack,
        keys=tuple(SecretKey(spec.stack, key, wanted[key], stack.file.is_secure(key)) for key in sorted(wanted)),
        provider_recorded=provider_recorded(stack),
    )


def provider_recorded(stack: LoadedStack) -> bool:
    """Whether the stack file names its secrets provider (read from the file's top level)."""
    try:
        data = yaml.safe_load(stack.file.path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, Mapping) and any(k in data for k in ENCRYPTION_KEYS)
