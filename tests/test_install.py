"""The install: pins that keep the resolver from walking scipy releases, and a .gitignore that covers what
the README's commands and the default settings write into the working tree."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from streams.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): r for r in reqs}


def test_numpy_and_scipy_are_bounded_to_what_hazm_allows():
    deps = _dependencies()
    try:
        hazm = [Requirement(r) for r in requires("hazm") or []]
    except PackageNotFoundError:
        pytest.skip("hazm not installed")
    numpy_pin = next(r for r in hazm if r.name == "numpy")
    pinned = [s.version for s in numpy_pin.specifier if s.operator == "=="]
    assert pinned, f"hazm no longer pins numpy ({numpy_pin}): revisit the numpy/scipy bounds in pyproject.toml"
    assert deps["numpy"].specifier.contains(pinned[0])  # our range admits hazm's numpy
    # scipy has an upper bound, so pip does not download every newer release before it finds one for that numpy
    assert any(s.operator in ("<", "<=", "==", "~=") for s in deps["scipy"].specifier)
    import numpy
    import scipy
    assert deps["numpy"].specifier.contains(numpy.__version__) and deps["scipy"].specifier.contains(scipy.__version__)


def _readme_outputs() -> set[str]:
    """Relative files the README's shell commands redirect into."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    outputs = set()
    for block in blocks:
        commands = "\n".join(line.split(" #", 1)[0] for line in block.splitlines() if not line.startswith("#"))
        for target in re.findall(r"(?<![0-9&-])>\s*([^\s|;&]+)", commands):
            if not target.startswith(("/", "&", "$")):
                outputs.add(target)
    return outputs


def test_gitignore_covers_the_readme_outputs_and_default_data_dir():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    outputs = _readme_outputs()
    assert "enriched.jsonl" in outputs
    paths = sorted(outputs | {f"{Settings().data_dir}/v1/tables", "test-output/graph.png"})
    run = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    ignored = set(run.stdout.split())
    assert ignored == set(paths), f"not ignored: {sorted(set(paths) - ignored)}"
