#!/usr/bin/env python3
"""Prune AKS's official agent-pool model to the contract the emulator validates PUT bodies against.

The source is Microsoft's generated Python SDK, azure-mgmt-containerservice 41.8.0, whose
default api-version is 2026-08-01: its models module declares every property of AgentPool with
its wire name, type and visibility (`rest_field(name=..., visibility=[...])`).  The module is
read as source with `ast`, never imported, so neither the package's dependencies (azure-core)
nor an install are needed, only its files:

    pip install azure-mgmt-containerservice==41.8.0      # or: pip download + unzip the wheel

Then, from the repository root (python3, standard library only):

    python3 scripts/gen-aks-contract.py                  # writes providers/emulator/src/aks/contract.json
    python3 scripts/gen-aks-contract.py --out -          # prints it instead
    python3 scripts/gen-aks-contract.py --check          # exits 1 when the committed file is stale

The package is found, in this order: --package DIR; $POOLCTL_AKS_SDK; the installed package
(located through importlib without importing it); /tmp/azmcs/azure/mgmt/containerservice (an
unpacked wheel).  Any other version than 41.8.0 is refused, so the output never drifts silently.
"""

import argparse
import ast
import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "providers" / "emulator" / "src" / "aks" / "contract.json"
UNPACKED_WHEEL = Path("/tmp/azmcs/azure/mgmt/containerservice")
PACKAGE = "azure-mgmt-containerservice"
PACKAGE_VERSION = "41.8.0"
API_VERSION = "2026-08-01"
ROOT_MODEL = "AgentPool"

SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime.datetime": {"type": "string", "format": "date-time"},
    "Any": {},
}


def find_package(explicit):
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("POOLCTL_AKS_SDK"):
        candidates.append(Path(os.environ["POOLCTL_AKS_SDK"]))
    try:
        spec = importlib.util.find_spec("azure.mgmt.containerservice")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates.extend(Path(p) for p in spec.submodule_search_locations)
    candidates.append(UNPACKED_WHEEL)
    for candidate in candidates:
        if (candidate / "models" / "_models.py").is_file():
            return candidate
    raise SystemExit(
        f"{PACKAGE} not found: pip install {PACKAGE}=={PACKAGE_VERSION}, "
        "or point --package / POOLCTL_AKS_SDK at its azure/mgmt/containerservice folder"
    )


def package_version(package):
    tree = ast.parse((package / "_version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "VERSION" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise SystemExit(f"{package}/_version.py has no VERSION")


def read_enums(path):
    """Enum class name -> its wire values, in declaration order."""
    enums = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        values = []
        for item in node.body:
            if (
                isinstance(item, ast.Assign)
                and isinstance(item.value, ast.Constant)
                and isinstance(item.value.value, str)
            ):
                values.append(item.value.value)
        enums[node.name] = values
    return enums


def read_models(path):
    """Model class name -> (base class names, [(python name, annotation node, rest_field call)])."""
    models = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [ast.unparse(b) for b in node.bases]
        fields = []
        for item in node.body:
            if (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and isinstance(item.value, ast.Call)
                and ast.unparse(item.value.func) == "rest_field"
            ):
                fields.append((item.target.id, item.annotation, item.value))
        models[node.name] = (bases, fields)
    return models


def unquote(node):
    """`"_models.X"` written as a string annotation, parsed back into an expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ast.parse(node.value, mode="eval").body
    return node


def type_of(node, models, enums, refs):
    node = unquote(node)
    text = ast.unparse(node)
    if text in SCALARS:
        return dict(SCALARS[text])
    if text.startswith("_models."):
        name = text[len("_models."):]
        if name in enums:
            # Typed as the enum alone (not Union[str, Enum]): a closed set.
            return {"type": "string", "enum": name, "extensible": False}
        if name in models:
            refs.add(name)
            return {"type": "object", "$ref": name}
        raise SystemExit(f"unknown model or enum {name!r}")
    if isinstance(node, ast.Subscript):
        outer = ast.unparse(node.value)
        inner = node.slice
        args = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        if outer == "Optional":
            return type_of(args[0], models, enums, refs)
        if outer == "Union":
            names = [ast.unparse(unquote(a)) for a in args]
            # Union[str, "_models.Enum"]: an x-ms-enum with modelAsString, open to new values.
            if len(names) == 2 and names[0] == "str" and names[1].startswith("_models."):
                enum = names[1][len("_models."):]
                if enum in enums:
                    return {"type": "string", "enum": enum, "extensible": True}
            raise SystemExit(f"unsupported union {text!r}")
        if outer == "list":
            return {"type": "array", "items": type_of(args[0], models, enums, refs)}
        if outer == "dict":
            if ast.unparse(unquote(args[0])) != "str":
                raise SystemExit(f"unsupported map key in {text!r}")
            return {"type": "object", "additionalProperties": type_of(args[1], models, enums, refs)}
    raise SystemExit(f"unsupported annotation {text!r}")


def keyword(call, name):
    for kw in call.keywords:
        if kw.arg == name:
            return ast.literal_eval(kw.value)
    return None


def fields_of(name, models):
    """A model's rest fields, its bases' first, as Python's class attributes resolve them."""
    bases, fields = models[name]
    out = []
    for base in bases:
        if base in models:
            out.extend(fields_of(base, models))
    out.extend(fields)
    return out


def prune(package):
    models = read_models(package / "models" / "_models.py")
    enums = read_enums(package / "models" / "_enums.py")
    seen = {}
    used_enums = set()
    pending = [ROOT_MODEL]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in models:
            raise SystemExit(f"model {name!r} is referenced but not defined")
        refs = set()
        properties = {}
        for python_name, annotation, call in fields_of(name, models):
            wire = keyword(call, "name") or python_name
            prop = type_of(annotation, models, enums, refs)
            visibility = keyword(call, "visibility") or []
            if visibility == ["read"]:
                prop["readOnly"] = True
            properties[wire] = prop
        for prop in properties.values():
            walk = prop
            while walk:
                if "enum" in walk:
                    used_enums.add(walk["enum"])
                walk = walk.get("items") or walk.get("additionalProperties")
        seen[name] = {"properties": dict(sorted(properties.items()))}
        pending.extend(sorted(refs))
    return {
        "_generated": (
            f"Generated by scripts/gen-aks-contract.py from {PACKAGE} {PACKAGE_VERSION} "
            f"(api-version {API_VERSION}); do not edit by hand."
        ),
        "apiVersion": API_VERSION,
        "package": PACKAGE,
        "packageVersion": PACKAGE_VERSION,
        "root": ROOT_MODEL,
        "models": dict(sorted(seen.items())),
        "enums": {name: enums[name] for name in sorted(used_enums)},
    }


def render(package):
    return json.dumps(prune(package), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", help="the azure/mgmt/containerservice folder of the package")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output path, or - for stdout")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    args = parser.parse_args()

    package = find_package(args.package)
    version = package_version(package)
    if version != PACKAGE_VERSION:
        raise SystemExit(f"{package} is {PACKAGE} {version}; this script reads {PACKAGE_VERSION}")
    text = render(package)

    if args.check:
        current = Path(args.out).read_text(encoding="utf-8") if Path(args.out).exists() else ""
        if current != text:
            print(f"{args.out} is stale: rerun scripts/gen-aks-contract.py", file=sys.stderr)
            return 1
        return 0
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
