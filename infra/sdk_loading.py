"""How the offline engine loads the provider SDK: the same classes, for less import time.

`pulumi_azure_native.network` alone is ~90,000 generated lines (`_inputs`, `outputs`, ~500
resource modules), and a plan that uses a dozen of its resources used to pay for all of it. Two
offline-only measures, neither of which the real program under the Pulumi CLI ever sees:

- `lazy_provider_packages`: a provider sub-package loads one resource module at a time instead of
  the ~500 its `__init__` imports.
- `postpone_sdk_annotations`: SDK modules are compiled as if they began with
  `from __future__ import annotations` (PEP 563). Python otherwise evaluates every annotation of
  the ~1,100 generated classes at import (`pulumi.Input[Optional[Sequence[...]]]`, each a chain of
  `typing` calls): about half the import time of `network._inputs` and `network.outputs`. The SDK
  reads annotations only through `typing.get_type_hints` with the class's module globals (see
  `pulumi._types`), which evaluates the postponed strings to the very same types, on demand, for
  the few classes a plan translates outputs of. The compiled code is cached next to the SDK's own
  bytecode under a tag of its own (`*.opt-aifabric.pyc`), which a normal import never reads.
"""

from __future__ import annotations

import __future__
import importlib
import importlib.machinery
import importlib.util
import marshal
import os
import re
import struct
import sys
import types
from typing import Any

SDK = "pulumi_azure_native"
PROGRAM_PACKAGES = (
    "network", "compute", "authorization", "managedidentity", "resources", "monitor", "operationalinsights", "keyvault",
)
"""The provider packages the program uses: loaded lazily offline, their shared modules warmed at install."""
BYTECODE_TAG = "aifabric"
"""`importlib.util.cache_from_source(..., optimization=BYTECODE_TAG)`: our bytecode's file name."""

_HEADER = struct.Struct("<4sQQ")  # magic number, source mtime (ns), source size: stale when either moves


# ------------------------------------------------------------------------------------------------
# One resource module at a time
# ------------------------------------------------------------------------------------------------

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class _LazyProviderModule(types.ModuleType):
    """A provider sub-package (e.g. pulumi_azure_native.network) that loads one resource module at a
    time instead of the ~500 its __init__ imports.

    `network.ExpressRouteCircuit` imports `network/express_route_circuit.py` (and the shared
    _inputs, outputs and _enums it needs); the classes are the SDK's own, unchanged.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        base = name[:-len("Args")] if name.endswith("Args") else name
        base = base[:-len("_output")] if base.endswith("_output") else base
        for module in dict.fromkeys((_SNAKE.sub("_", base).lower(), base, "_inputs", "_enums", "outputs")):
            try:
                loaded = importlib.import_module(f"{self.__name__}.{module}")
            except ModuleNotFoundError:
                continue
            if hasattr(loaded, name):
                value = getattr(loaded, name)
                setattr(self, name, value)
                return value
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def lazy_provider_packages(*names: str) -> None:
    """Turn provider sub-packages that nothing has used yet into _LazyProviderModules (idempotent).

    The SDK's top-level package registers each sub-package as a lazy module that imports everything
    on first use; converting that same module object in place keeps every reference to it valid.
    """
    import pulumi_azure_native  # noqa: F401 - registers the lazy sub-packages

    for name in names:
        module = sys.modules.get(f"{SDK}.{name}")
        if module is None or type(module).__name__ != "_LazyModule":
            continue  # already loaded in full (pulumi's _LazyModule becomes a plain module on first use)
        module.__class__ = _LazyProviderModule


# ------------------------------------------------------------------------------------------------
# Annotations evaluated on demand
# ------------------------------------------------------------------------------------------------


def offline_bytecode_path(source: str) -> str:
    return importlib.util.cache_from_source(source, optimization=BYTECODE_TAG)


def _header(source: str) -> bytes:
    stat = os.stat(source)
    return _HEADER.pack(importlib.util.MAGIC_NUMBER, stat.st_mtime_ns, stat.st_size)


def compile_postponed(source_bytes: bytes, path: str) -> types.CodeType:
    return compile(source_bytes, path, "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)


class _PostponedAnnotationsLoader(importlib.machinery.SourceFileLoader):
    """Loads an SDK module compiled with postponed annotations, from (or into) its own bytecode cache.

    Where that cache is missing and bytecode may not be written (PYTHONDONTWRITEBYTECODE), compiling
    ~90,000 lines would cost more than it saves: the module loads the standard way instead.
    """

    def get_code(self, fullname: str) -> types.CodeType | None:
        source_path = self.get_filename(fullname)
        cached = offline_bytecode_path(source_path)
        header = _header(source_path)
        try:
            with open(cached, "rb") as f:
                data = f.read()
        except OSError:
            data = b""
        if data[:_HEADER.size] == header:
            try:
                return marshal.loads(data[_HEADER.size:])
            except (EOFError, ValueError, TypeError):
                pass  # a torn write: compile again below
        if sys.dont_write_bytecode:
            return super().get_code(fullname)
        code = compile_postponed(self.get_data(source_path), source_path)
        _write_atomically(cached, header + marshal.dumps(code))
        return code


def _write_atomically(path: str, data: bytes) -> bool:
    """Write beside the SDK's own __pycache__ files; a read-only site-packages just skips the cache
    (returns False)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


class _PostponedAnnotationsFinder:
    """A meta-path finder for the SDK's submodules: found where Python would find them, loaded by
    _PostponedAnnotationsLoader."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(SDK + ".") or path is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = _PostponedAnnotationsLoader(fullname, spec.origin)
        return spec


def postpone_sdk_annotations() -> None:
    """From now on, SDK modules not yet imported load with postponed annotations (idempotent)."""
    if _PostponedAnnotationsFinder not in sys.meta_path:
        sys.meta_path.insert(0, _PostponedAnnotationsFinder)


SHARED_MODULES = ("_enums", "_inputs", "outputs")
"""The big modules every resource module of a package imports: what `warm` compiles ahead."""


def _is_current(source: str) -> bool:
    """The cache of `source` exists and its header matches the source (what get_code checks first)."""
    try:
        with open(offline_bytecode_path(source), "rb") as f:
            head = f.read(_HEADER.size + 1)
    except OSError:
        return False
    return len(head) > _HEADER.size and head[:_HEADER.size] == _header(source)


def warm(packages: tuple[str, ...]) -> list[str]:
    """Write the postponed-annotation bytecode of the shared modules of `packages`, whatever
    PYTHONDONTWRITEBYTECODE says (as `compileall` does); returns the files whose bytecode is now current
    (compiled here, or already up to date: a cache whose header matches the source is kept, as the loader
    would keep it). The Makefile runs it once at install, so that the first plan, and every plan on a
    machine that never writes bytecode, gets the fast path. (Resource modules are small: without a cache
    they load the standard way at no real cost.)"""
    spec = importlib.util.find_spec(SDK)
    assert spec is not None and spec.submodule_search_locations, f"{SDK} is not installed"
    root = list(spec.submodule_search_locations)[0]
    written = []
    for package in packages:
        for module in SHARED_MODULES:
            source = os.path.join(root, package, f"{module}.py")
            if not os.path.exists(source):
                continue
            if _is_current(source):
                written.append(source)
                continue
            with open(source, "rb") as f:
                code = compile_postponed(f.read(), source)
            if _write_atomically(offline_bytecode_path(source), _header(source) + marshal.dumps(code)):
                written.append(source)
    return written


if __name__ == "__main__":
    # python -m infra.sdk_loading: what the Makefile runs after installing the SDK.
    files = warm(PROGRAM_PACKAGES)
    print(f"offline SDK bytecode: {len(files)} shared modules of {', '.join(PROGRAM_PACKAGES)} "
          "current, compiled with postponed annotations")
