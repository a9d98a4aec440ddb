"""The offline engine loads the provider SDK faster without changing what the program declares."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from infra import sdk_loading
from infra.offline import PROJECT_DIR

MODULE = """\
evaluated = []


def _note(name):
    evaluated.append(name)
    return name


def declared(x: _note('x')) -> _note('return'):
    return x
"""


def _load(path: Path, name: str):
    loader = sdk_loading._PostponedAnnotationsLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture
def writes_bytecode(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def test_annotations_are_kept_as_strings_and_evaluated_only_on_demand(tmp_path, writes_bytecode):
    path = tmp_path / "gen.py"
    path.write_text(MODULE)
    module = _load(path, "gen_postponed")
    assert module.evaluated == []
    assert module.declared.__annotations__ == {"x": "_note('x')", "return": "_note('return')"}
    assert module.declared(3) == 3


def test_the_standard_load_evaluates_them_at_import(tmp_path):
    # What the real program gets: the same module, annotations evaluated as it is imported.
    path = tmp_path / "gen_standard.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("gen_standard", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.evaluated == ["x", "return"]


def test_bytecode_is_cached_under_its_own_tag_and_recompiled_when_the_source_changes(tmp_path, writes_bytecode):
    path = tmp_path / "gen.py"
    path.write_text(MODULE)
    _load(path, "gen_cached")
    cached = Path(sdk_loading.offline_bytecode_path(str(path)))
    assert cached.name == f"gen.{sys.implementation.cache_tag}.opt-{sdk_loading.BYTECODE_TAG}.pyc"
    assert cached.exists()
    # The standard bytecode file is never written with postponed annotations in it.
    assert not Path(importlib.util.cache_from_source(str(path))).exists()

    path.write_text(MODULE + "\nVERSION = 2\n")
    os.utime(path, ns=(0, 10**18))  # a different mtime even on a coarse clock
    assert _load(path, "gen_cached_v2").VERSION == 2


def test_a_torn_cache_file_is_compiled_again(tmp_path, writes_bytecode):
    path = tmp_path / "gen.py"
    path.write_text(MODULE)
    _load(path, "gen_torn")
    cached = Path(sdk_loading.offline_bytecode_path(str(path)))
    cached.write_bytes(cached.read_bytes()[:40])
    assert _load(path, "gen_torn_again").declared(1) == 1


def test_without_a_cache_and_without_bytecode_writing_the_module_loads_the_standard_way(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = tmp_path / "gen.py"
    path.write_text(MODULE)
    module = _load(path, "gen_nowrite")
    assert module.evaluated == ["x", "return"]
    assert not Path(sdk_loading.offline_bytecode_path(str(path))).exists()


def test_warm_compiles_the_shared_modules_of_the_program_packages():
    written = sdk_loading.warm(sdk_loading.PROGRAM_PACKAGES)
    names = {(Path(f).parent.name, Path(f).stem) for f in written}
    assert ("network", "outputs") in names and ("compute", "_inputs") in names
    for source in written:
        assert Path(sdk_loading.offline_bytecode_path(source)).exists()


def test_warm_compiles_a_module_again_only_when_its_source_changed(tmp_path, monkeypatch):
    # A fake SDK of one package: warm compiles its shared module once, keeps the cache while the source is
    # unchanged, and compiles again once the source changes.
    package = tmp_path / "pulumi_azure_native" / "network"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "outputs.py").write_text(MODULE)
    spec = importlib.util.spec_from_file_location(
        "pulumi_azure_native", package.parent / "__init__.py", submodule_search_locations=[str(package.parent)])
    monkeypatch.setattr(sdk_loading.importlib.util, "find_spec", lambda name: spec)
    compiled = []
    real = sdk_loading.compile_postponed
    monkeypatch.setattr(sdk_loading, "compile_postponed", lambda src, path: compiled.append(path) or real(src, path))
    source = str(package / "outputs.py")
    assert sdk_loading.warm(("network",)) == [source] and compiled == [source]
    assert sdk_loading.warm(("network",)) == [source] and compiled == [source]  # current: kept
    (package / "outputs.py").write_text(MODULE + "\nVERSION = 2\n")
    os.utime(package / "outputs.py", ns=(0, 10**18))
    assert sdk_loading.warm(("network",)) == [source] and compiled == [source, source]


def test_the_program_imports_only_packages_the_engine_loads_lazily():
    # A provider package missing from PROGRAM_PACKAGES would still work, at the full import's cost.
    imported = set()
    for path in [*(PROJECT_DIR / "components").glob("*.py"), *(PROJECT_DIR / "infra").glob("*.py")]:
        for line in path.read_text().splitlines():
            if line.startswith("from pulumi_azure_native import "):
                imported.update(n.strip() for n in line.split(" import ", 1)[1].split(","))
    assert imported and imported <= set(sdk_loading.PROGRAM_PACKAGES)


_PLAN = textwrap.dedent("""
    import json, sys
    from infra import plan, sdk_loading  # importing them installs nothing
    # What the language host does: import the program's modules. They install no finder of ours.
    import components.gpu_cluster, components.interconnect, components.entra_access, infra.program, infra.policies
    program_finder = sdk_loading._PostponedAnnotationsFinder in sys.meta_path
    if sys.argv[1] == "eager":
        # Load the SDK's shared modules the standard way before the engine can intervene.
        import importlib, importlib.util
        import pulumi_azure_native
        for package in sdk_loading.PROGRAM_PACKAGES:
            for module in sdk_loading.SHARED_MODULES:
                if importlib.util.find_spec(f"pulumi_azure_native.{package}.{module}"):
                    importlib.import_module(f"pulumi_azure_native.{package}.{module}")
    from infra.workspace import load_fabric
    planner = plan.planner_for(load_fabric(plan.offline.PROJECT_DIR / "stacks"))
    loaders = {}
    inventories = {}
    # Two stacks that read no peer's outputs (each plans alone): network (ErGwScale, ExpressRoute), compute
    # and access modules of the SDK all load either way.
    for name in ("westus3", "westeurope"):
        inv = planner.inventory(name)
        inventories[name] = {"resources": [r.to_json() for r in inv], "exports": inv.exports}
    outputs = sys.modules["pulumi_azure_native.network.outputs"]
    postponed = isinstance(outputs.__spec__.loader, sdk_loading._PostponedAnnotationsLoader)
    json.dump({"postponed": postponed, "program_finder": program_finder, "inventories": inventories}, sys.stdout,
              sort_keys=True, default=str)
""")


def _plan_in_fresh_process(mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-c", _PLAN, mode], capture_output=True, text=True, cwd=PROJECT_DIR,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def eager_run() -> dict:
    """One fresh interpreter (a second one costs seconds of SDK imports): it imports the program's modules
    as the language host does, then loads the SDK's shared modules the standard way and plans."""
    return _plan_in_fresh_process("eager")


def test_postponed_annotations_change_speed_not_what_is_declared(plan_shipped, eager_run):
    # This session plans with postponed annotations (the engine's way); a fresh process that loads the SDK's
    # shared modules the standard way first plans the same stacks: the inventories are the same.
    fast = {}
    for name in ("westus3", "westeurope"):
        inv = plan_shipped(name)
        fast[name] = {"resources": [r.to_json() for r in inv], "exports": inv.exports}
    outputs = sys.modules["pulumi_azure_native.network.outputs"]
    assert isinstance(outputs.__spec__.loader, sdk_loading._PostponedAnnotationsLoader)
    eager = eager_run
    assert not eager["postponed"]
    assert json.loads(json.dumps(fast, sort_keys=True, default=str)) == eager["inventories"]
    assert len(fast["westus3"]["resources"]) > 30


def test_the_real_program_never_loads_the_sdk_this_way(eager_run):
    # Importing the program's modules (what the language host does) installs no finder of ours.
    assert eager_run["program_finder"] is False
