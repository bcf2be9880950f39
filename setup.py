"""Package discovery for setuptools: everything else is declared in ``pyproject.toml``.

``mappings/``, ``ontology/`` and ``samples/`` sit at the repository root (the layout users
expect) but install inside the ``cblod`` package, so nothing generic like ``mappings`` lands in
site-packages. ``[tool.setuptools.packages.find]`` cannot find packages under a remapped folder,
so the packages are found here, under each root, instead of being listed by hand: a new
sub-package is shipped without anyone remembering to list it. Data folders (``cblod/data``,
``samples/bulk``) count as namespace packages, as setuptools asks.
"""

from setuptools import find_namespace_packages, setup

ROOTS = {
    "cblod": "cblod",
    "cblod.mappings": "mappings",
    "cblod.ontology": "ontology",
    "cblod.samples": "samples",
}


def packages() -> list[str]:
    found = []
    for name, folder in ROOTS.items():
        found.append(name)
        found.extend(
            f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])
        )
    return sorted(set(found))


setup(package_dir=ROOTS, packages=packages())
