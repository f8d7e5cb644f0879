"""Custom import-linter contract types for this project.

``allowlist``: every module under each source module may import *only* the listed modules.

    [[tool.importlinter.contracts]]
    name = "kiosk.core imports only the standard library"
    type = "allowlist"
    source_modules = ["kiosk.core"]
    allowed_modules = [":stdlib:"]

- A source module always may import itself and its own descendants.
- ``:stdlib:`` allows every top-level name in ``sys.stdlib_module_names``, plus ``__future__``
  and ``_typeshed`` (the standard library's typing-only module in typeshed, importable only
  under ``if TYPE_CHECKING:``; it adds no runtime dependency).
- An internal allowed module (under a root package) allows it and its descendants.
- An external allowed module must be a top-level name (grimp squashes external packages).
- A source module in parentheses, ``(kiosk.sync)``, is optional: it may be absent. A missing
  non-optional source module is an error, so a typo cannot make the contract vacuous.

Only direct imports are checked. Indirect chains are covered as long as every internal package
an allow-list permits has an allow-list of its own (true here: they all bottom out in
kiosk.core or devices); external packages are squashed into single nodes by grimp.
Imports under ``if TYPE_CHECKING:`` count unless ``exclude_type_checking_imports`` is set.

lint-imports puts the working directory first on ``sys.path``, so when it runs from the repo
root this module is importable as ``tools.import_contracts`` (``tools`` is a namespace package).
"""

from __future__ import annotations

import re
import sys
from typing import Any, cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.contract import InvalidContractOptions

STDLIB = ":stdlib:"
_STDLIB_NAMES = frozenset(sys.stdlib_module_names) | {"__future__", "_typeshed"}
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _line_numbers(numbers: list[int | None]) -> str:
    if not numbers:
        return "line ?"
    label = "line" if len(numbers) == 1 else "lines"
    return f"{label} " + ", ".join("?" if n is None else str(n) for n in numbers)


class AllowListContract(Contract):
    """Modules under ``source_modules`` may directly import only ``allowed_modules``."""

    type_name = "allowlist"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def validate(self) -> None:
        errors: dict[str, str] = {}
        bad_sources = [name for name in self._sources() if not _MODULE_NAME.match(name.strip("()"))]
        if bad_sources:
            errors["source_modules"] = f"Not module names: {', '.join(bad_sources)}."
        bad_allowed = [
            name for name in self._allowed() if name != STDLIB and not _MODULE_NAME.match(name)
        ]
        if bad_allowed:
            errors["allowed_modules"] = (
                f"Not module names (or {STDLIB!r}): {', '.join(bad_allowed)}."
            )
        if errors:
            raise InvalidContractOptions(errors)

    # Contract replaces each field with its parsed value on the instance.
    def _sources(self) -> list[str]:
        return cast("list[str]", self.source_modules)

    def _allowed(self) -> list[str]:
        return cast("list[str]", self.allowed_modules)

    def _root_packages(self) -> list[str]:
        roots = self.session_options.get("root_packages") or self.session_options.get(
            "root_package", []
        )
        return [roots] if isinstance(roots, str) else list(roots)

    def _is_internal(self, module: str) -> bool:
        return any(_within(module, root) for root in self._root_packages())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = self._allowed()
        allow_stdlib = STDLIB in allowed
        allowed_internal = [m for m in allowed if m != STDLIB and self._is_internal(m)]
        allowed_external = {m for m in allowed if m != STDLIB and not self._is_internal(m)}
        nested = sorted(m for m in allowed_external if "." in m)
        if nested:
            raise ValueError(
                f"Invalid allowed modules {', '.join(nested)}: external packages are squashed, "
                "so only their top-level name can be allowed."
            )

        violations: list[dict[str, Any]] = []
        for raw_source in self._sources():
            optional = raw_source.startswith("(") and raw_source.endswith(")")
            source = raw_source.strip("()")
            if source not in graph.modules:
                if optional:
                    output.verbose_print(verbose, f"Optional module {source} is absent.")
                    continue
                raise ValueError(f"Module '{source}' does not exist.")
            importers = {source} | set(graph.find_descendants(source))
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if _within(imported, source):
                        continue
                    if self._is_internal(imported):
                        if any(_within(imported, ok) for ok in allowed_internal):
                            continue
                    else:
                        top = imported.split(".")[0]
                        if top in allowed_external or (allow_stdlib and top in _STDLIB_NAMES):
                            continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    violations.append(
                        {
                            "importer": importer,
                            "imported": imported,
                            "line_numbers": sorted(
                                (d["line_number"] for d in details),
                                key=lambda n: (n is None, n),
                            ),
                        }
                    )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(self._allowed())
        sources = ", ".join(self._sources())
        output.print_error(f"{sources} may import only itself and: {allowed}. Found:")
        output.new_line()
        for violation in check.metadata["violations"]:
            lines = _line_numbers(violation["line_numbers"])
            output.print_error(
                f"-   {violation['importer']} -> {violation['imported']} ({lines})", bold=False
            )
        output.new_line()
