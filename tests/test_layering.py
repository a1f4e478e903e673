"""The import graph respects the layers of DESIGN.md §3.

exceptions, utils < base, nn < model families < evaluation, applications
(datasets apart):
a module imports only from its own layer or below. Every import counts,
including those inside functions (a lazy import is still an edge of the
graph, and a cycle that only import order keeps working).
"""

import ast
from pathlib import Path

import pytest

import skgenerative

PACKAGE_DIR = Path(skgenerative.__file__).resolve().parent

FAMILIES = {"boltzmann", "autoregressive", "latent", "adversarial", "denoising", "diffusion",
            "sequence"}
CORE = {"exceptions", "utils"}
FOUNDATION = CORE | {"base", "nn"}
#: Estimators built on the models (outlier detection, imputation).
APPLICATIONS = {"applications"}

#: What each layer must never import.
FORBIDDEN = {
    **{name: {"evaluation", "datasets"} | {"base", "nn"} | FAMILIES | APPLICATIONS
       for name in CORE},
    **{name: {"evaluation", "datasets"} | FAMILIES | APPLICATIONS for name in ("base", "nn")},
    **{name: {"evaluation", "datasets"} | APPLICATIONS for name in FAMILIES},
    "evaluation": APPLICATIONS,
    "applications": {"datasets"},
}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(source, module, is_package):
    """Absolute names of every module ``source`` imports, at any depth, with
    relative imports resolved against ``module``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # ``from .. import evaluation`` imports the subpackage by name
            for alias in node.names:
                yield f"{target}.{alias.name}", node.lineno


def _layer(name):
    """Subpackage (or top-level module) of skgenerative that ``name`` is in."""
    parts = name.split(".")
    if parts[0] != "skgenerative" or len(parts) < 2:
        return None
    return parts[1]


def _violations():
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        module = _module_name(path)
        layer = _layer(module)
        if layer not in FORBIDDEN:  # the package root and private top-level modules
            continue
        source = path.read_text(encoding="utf-8")
        for target, line in _imported_modules(source, module, path.name == "__init__.py"):
            if _layer(target) in FORBIDDEN[layer]:
                found.append(f"{module}:{line} imports {target}")
    return found


def test_no_module_imports_a_layer_above_its_own():
    assert _violations() == []


def test_nothing_in_the_package_imports_plotting():
    # skgenerative.plotting (matplotlib, optional) is for users and examples
    found = [
        f"{_module_name(path)}:{line}"
        for path in sorted(PACKAGE_DIR.rglob("*.py")) if path.name != "plotting.py"
        for target, line in _imported_modules(path.read_text(encoding="utf-8"),
                                              _module_name(path), path.name == "__init__.py")
        if target == "skgenerative.plotting" or target.startswith("skgenerative.plotting.")
    ]
    assert found == []


def test_every_layer_of_the_package_is_checked():
    subpackages = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").exists()}
    assert subpackages - {"evaluation", "datasets"} <= set(FORBIDDEN)
    assert {"exceptions", "base"} <= set(FORBIDDEN)


@pytest.mark.parametrize(
    "source, module, is_package, expected",
    [
        # lazy, relative, inside a method
        ("def f():\n    from ..evaluation._ais import x\n",
         "skgenerative.boltzmann._rbm", False, "skgenerative.evaluation._ais.x"),
        ("from .. import evaluation\n",
         "skgenerative.latent._vae", False, "skgenerative.evaluation"),
        ("from ._kernels import _ais\n",
         "skgenerative.boltzmann", True, "skgenerative.boltzmann._kernels._ais"),
        ("import skgenerative.datasets as d\n",
         "skgenerative.nn._mlp", False, "skgenerative.datasets"),
    ],
)
def test_import_scan_resolves_relative_and_lazy_imports(source, module, is_package, expected):
    targets = [name for name, _ in _imported_modules(source, module, is_package)]
    assert any(name == expected or name.startswith(expected + ".") for name in targets)
