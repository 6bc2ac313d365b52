#!/usr/bin/env python3
# Copied from the team's shared tools (../shared/tools/import_cycles.py) so that CI, which
# runs on a clean clone, can check the layering: keep the two copies the same.
"""Import cycles and layering of a Python package, read from the source (nothing is imported).

Usage:
    python ../shared/tools/import_cycles.py src/fashionzoo            # cycles, and who imports whom
    python ../shared/tools/import_cycles.py src/fashionzoo --layers L  # also: imports against a layering

Every ``import`` and ``from ... import`` counts, at module level or inside a function (a function-level
import hides a cycle from Python, not from the design); imports under ``if TYPE_CHECKING:`` do not.
A LAYERS file lists one layer per line, lowest first; each line holds module prefixes separated by
spaces (``fashionzoo.exceptions fashionzoo._keras``). A module may import its own layer or lower ones.
Exit status: 1 when there is a cycle or an import against the layering, else 0.
"""
import ast, sys
from pathlib import Path


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for inner in ast.walk(sub):
                    if hasattr(inner, "lineno"):
                        lines.add(inner.lineno)
    return lines


def edges(root: Path) -> dict[str, dict[str, int]]:
    mods = {module_name(root, p): p for p in root.rglob("*.py")}
    graph: dict[str, dict[str, int]] = {m: {} for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = type_checking_lines(tree)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                # `from pkg import submodule` ties to the submodule; a name defined in pkg ties to pkg.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                # the longest known module that t names
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].setdefault(t, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__); return 0
    root = Path(argv[0]).resolve()
    graph = edges(root)
    bad = 0
    for comp in cycles(graph):
        bad += 1
        print(f"cycle of {len(comp)} modules:")
        for a in comp:
            for b, line in graph[a].items():
                if b in comp:
                    print(f"  {a} -> {b}  (line {line})")
    if "--layers" in argv:
        layers = [l.split() for l in Path(argv[argv.index("--layers") + 1]).read_text().splitlines()
                  if l.strip() and not l.startswith("#")]
        def level(m: str) -> int | None:
            best = None
            for i, prefixes in enumerate(layers):
                for p in prefixes:
                    if (m == p or m.startswith(p + ".")) and (best is None or len(p) > best[1]):
                        best = (i, len(p))
            return best[0] if best else None
        for a, targets in sorted(graph.items()):
            for b, line in targets.items():
                la, lb = level(a), level(b)
                if la is not None and lb is not None and lb > la:
                    bad += 1
                    print(f"against the layering: {a} (layer {la + 1}) imports {b} (layer {lb + 1}), line {line}")
    n_edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {n_edges} imports inside the package, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
