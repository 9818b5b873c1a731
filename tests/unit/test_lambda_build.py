"""How `sam build` packages the layer and the functions with packages of their own
(infra/lambda/Makefile): with their bytecode, which Lambda's read-only file system would
otherwise make Python compile again at every cold start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.template import Template
from tests.conftest import ROOT

MAKEFILE = ROOT / "infra/lambda/Makefile"
TEMPLATE = Template.load(ROOT / "template.yaml")
UNCHECKED_HASH = 0b01  # PEP 552: the .pyc's flags word: hash-based, source never checked


def _build(target: str, source: Path, artifacts: Path) -> None:
    subprocess.run(
        ["make", "--silent", "-f", str(MAKEFILE), target, f"ARTIFACTS_DIR={artifacts}",
         f"PYTHON={sys.executable}"],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip


def _flags(pyc: Path) -> int:
    return int.from_bytes(pyc.read_bytes()[4:8], "little")


def _metadata(logical_id: str) -> dict[str, object]:
    return dict(TEMPLATE.body["Resources"][logical_id].get("Metadata") or {})


def test_the_layer_and_every_function_with_packages_build_with_the_makefile() -> None:
    built = {"CommonLayer"}
    for logical_id in TEMPLATE.of_type("AWS::Serverless::Function"):
        code = TEMPLATE.function_properties(logical_id)["CodeUri"]
        if (ROOT / str(code) / "requirements.txt").exists():
            built.add(logical_id)
    assert len(built) > 1
    for logical_id in built:
        metadata = _metadata(logical_id)
        assert metadata.get("BuildMethod") == "makefile", logical_id
        assert metadata.get("ContextPath") == "infra/lambda", logical_id
        assert metadata.get("BuildArchitecture") == "arm64", logical_id


def test_a_function_ships_its_code_compiled_and_not_its_requirements(tmp_path: Path) -> None:
    source, artifacts = tmp_path / "source", tmp_path / "artifacts"
    (source / "__pycache__").mkdir(parents=True)
    (source / "app.py").write_text("ANSWER = 42\n")
    (source / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"stale")
    (source / "requirements.txt").write_text("# nothing to install here\n")
    artifacts.mkdir()

    _build("build-SomeFunction", source, artifacts)

    tag = sys.implementation.cache_tag
    pyc = artifacts / "__pycache__" / f"app.{tag}.pyc"
    assert (artifacts / "app.py").read_text() == "ANSWER = 42\n"
    assert pyc.read_bytes() != b"stale"
    assert _flags(pyc) == UNCHECKED_HASH
    assert not (artifacts / "requirements.txt").exists()


def test_the_layer_ships_glimpse_compiled_under_python(tmp_path: Path) -> None:
    source, artifacts = tmp_path / "source", tmp_path / "artifacts"
    (source / "glimpse").mkdir(parents=True)
    (source / "glimpse" / "__init__.py").write_text('"""The package."""\n')
    (source / "glimpse.egg-info").mkdir()
    (source / "requirements.txt").write_text("# nothing to install here\n")
    artifacts.mkdir()

    _build("build-CommonLayer", source, artifacts)

    package = artifacts / "python" / "glimpse"
    pyc = package / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    assert (package / "__init__.py").exists()
    assert _flags(pyc) == UNCHECKED_HASH
    assert sorted(p.name for p in artifacts.iterdir()) == ["python"]
    assert sorted(p.name for p in (artifacts / "python").iterdir()) == ["glimpse"]


@pytest.mark.parametrize("logical_id", ["PostsFunction", "UsersFunction"])
def test_functions_with_no_packages_keep_sams_python_builder(logical_id: str) -> None:
    """Their folder is one small `app.py` (a millisecond or two to compile)."""
    code = TEMPLATE.function_properties(logical_id)["CodeUri"]
    assert not (ROOT / str(code) / "requirements.txt").exists()
    assert "BuildMethod" not in _metadata(logical_id)


def test_a_function_without_requirements_still_ships_compiled(tmp_path: Path) -> None:
    source, artifacts = tmp_path / "source", tmp_path / "artifacts"
    source.mkdir()
    (source / "app.py").write_text("ANSWER = 42\n")
    artifacts.mkdir()
    _build("build-SomeFunction", source, artifacts)
    pyc = artifacts / "__pycache__" / f"app.{sys.implementation.cache_tag}.pyc"
    assert _flags(pyc) == UNCHECKED_HASH


def test_an_architecture_pip_does_not_know_stops_the_build(tmp_path: Path) -> None:
    """`arm64` is the template's name; pip's is `aarch64`: a wrong name must not fall back to
    some other platform's wheels."""
    (tmp_path / "app.py").write_text("ANSWER = 42\n")
    failed = subprocess.run(
        ["make", "-f", str(MAKEFILE), "build-SomeFunction", f"ARTIFACTS_DIR={tmp_path}",
         "LAMBDA_ARCH=arm64"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert failed.returncode != 0
    assert "LAMBDA_ARCH is aarch64 (arm64) or x86_64" in failed.stderr


def _planned(target: str, source: Path, **variables: str) -> str:
    """The commands `make` would run for `target` (a dry run: nothing is installed)."""
    settings = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(
        ["make", "-n", "-f", str(MAKEFILE), target, f"ARTIFACTS_DIR={source}/out", *settings],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def test_the_local_moderation_model_is_packaged_only_when_a_deployer_opts_in(
    tmp_path: Path,
) -> None:
    """NudeNet's weights are AGPL-3.0 (README, "Automatic moderation"): no requirements file a
    default build installs names them; LOCAL_MODERATION=1 adds the model, without the weights'
    package's dependencies, to the two functions that moderate and nothing else."""
    weights = "requirements-moderation-weights.txt"
    built_by_default = [ROOT / "requirements.txt", *ROOT.glob("functions/*/requirements.txt")]
    for requirements in built_by_default:
        text = requirements.read_text()
        assert "nudenet" not in text, requirements
        assert "onnxruntime" not in text, requirements
    (tmp_path / "requirements.txt").write_text("# nothing\n")
    for target in ("build-ThumbnailerFunction", "build-TranscoderFunction"):
        assert weights not in _planned(target, tmp_path)
        opted_in = _planned(target, tmp_path, LOCAL_MODERATION="1")
        assert f'--no-deps -r "{ROOT}/{weights}"' in opted_in.replace("\\\n\t", "")
        assert f'-r "{ROOT}/requirements-moderation.txt"' in opted_in
        assert "rm -rf onnxruntime/transformers" in opted_in.replace("\\\n\t", "")
    assert "requirements-moderation" not in _planned(
        "build-PostsFunction", tmp_path, LOCAL_MODERATION="1"
    )
    assert "requirements-moderation" not in _planned(
        "build-CommonLayer", tmp_path, LOCAL_MODERATION="1"
    )
