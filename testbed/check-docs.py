"""Every plugin, role and playbook of the installed collection answers ansible-doc (or, for a
playbook, ansible-playbook --syntax-check) by its fully qualified name, with documentation.

Usage: check-docs.py COLLECTIONS_DIR   (the directory holding ansible_collections/)
The names expected are read from the installed copy's own files and filter classes, so a plugin
added without documentation fails here; ansible-doc itself exits 0 when one of several names
has no documentation, so its JSON is read instead of its exit code."""

import importlib
import json
import pathlib
import subprocess
import sys
import tempfile

NAMESPACE = "mailsec.hardening"


def expected(root):
    sys.path.insert(0, str(root))
    collection = root / "ansible_collections" / "mailsec" / "hardening"
    filters = set()
    for path in sorted((collection / "plugins" / "filter").glob("*.py")):
        module = importlib.import_module("ansible_collections.mailsec.hardening.plugins.filter." + path.stem)
        filters.update(module.FilterModule().filters())
    return dict(
        module=sorted(p.stem for p in (collection / "plugins" / "modules").glob("*.py") if p.stem != "__init__"),
        role=sorted(p.name for p in (collection / "roles").iterdir() if p.is_dir()),
        filter=sorted(filters),
    ), sorted(p.stem for p in (collection / "playbooks").glob("*.yml"))


def documented(kind, names):
    """ansible-doc's JSON for NAMES of KIND; when it refuses the batch (one name without
    documentation fails them all), each name is asked alone, so the fault names only that one."""
    fqcns = ["%s.%s" % (NAMESPACE, name) for name in names]
    run = subprocess.run(["ansible-doc", "--json", "-t", kind] + fqcns, capture_output=True, text=True, check=False)
    if run.returncode == 0:
        return json.loads(run.stdout or "{}"), {}
    docs, errors = {}, {}
    for fqcn in fqcns:
        one = subprocess.run(["ansible-doc", "--json", "-t", kind, fqcn], capture_output=True, text=True, check=False)
        if one.returncode == 0:
            docs.update(json.loads(one.stdout or "{}"))
        else:
            errors[fqcn] = one.stderr.strip()
    return docs, errors


def main():
    root = pathlib.Path(sys.argv[1])
    kinds, playbooks = expected(root)
    faults = []
    for kind, names in kinds.items():
        docs, errors = documented(kind, names)
        for name in names:
            fqcn = "%s.%s" % (NAMESPACE, name)
            entry = docs.get(fqcn) or {}
            doc = entry.get("doc") or {}
            if kind == "role":  # a role's documentation is its entry points
                doc = (entry.get("entry_points") or {}).get("main") or {}
            if not doc.get("short_description"):
                faults.append("ansible-doc -t %s %s: no documentation%s" % (
                    kind, fqcn, " (%s)" % errors[fqcn] if errors.get(fqcn) else ""))
            elif kind == "filter" and doc.get("name") != name:
                faults.append("ansible-doc -t filter %s.%s documents %r instead" % (NAMESPACE, name, doc.get("name")))
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as inventory:
        inventory.write("all:\n  hosts:\n    mx.example.org:\n")
        inventory.flush()
        for name in playbooks:
            run = subprocess.run(["ansible-playbook", "-i", inventory.name, "--syntax-check", "%s.%s" % (NAMESPACE, name)],
                                 capture_output=True, text=True, check=False)
            if run.returncode != 0:
                faults.append("ansible-playbook --syntax-check %s.%s: %s" % (NAMESPACE, name, run.stderr.strip()[-300:]))
    for fault in faults:
        print(fault)
    if faults:
        return 1
    print("ansible-doc: %s documented; %d playbooks pass --syntax-check" % (
        ", ".join("%d %ss" % (len(names), kind) for kind, names in kinds.items()), len(playbooks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
