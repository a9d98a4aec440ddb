"""The README's spec reference is generated from the models and must not drift from them."""

from __future__ import annotations

from pathlib import Path

from infra.readme_sections import section
from infra.spec.introspect import BEGIN_MARK, END_MARK, markdown_reference

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_spec_reference_matches_the_models():
    text = README.read_text()
    assert section(text, BEGIN_MARK, END_MARK).strip() == markdown_reference().strip(), "run `make readme`"


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    assert text.index("make plan") < text.index("## What is deployed")
    assert text.index("make test") < text.index("## What is deployed")


def test_readme_invariants_table_matches_the_checks():
    from infra.invariants import reference

    text = README.read_text()
    generated = section(text, reference.BEGIN_MARK, reference.END_MARK)
    assert generated.strip() == reference.markdown_table().strip(), "run `make readme`"


def test_readme_names_every_config_key_a_stack_file_may_set():
    from infra.spec import CONFIG_KEYS, PROJECT

    text = README.read_text()
    sentence = text[text.index("Each stack file sets these config keys"):][:600]
    assert [k for k in CONFIG_KEYS if f"`{PROJECT}:{k}`" not in sentence] == []


def test_readme_lists_the_mutants_judged_equivalent_as_the_runner_reads_them():
    from tools.mutation import readme

    text = README.read_text()
    assert section(text, readme.BEGIN_MARK, readme.END_MARK).strip() == readme.markdown_list().strip(), \
        "run `make readme`"
