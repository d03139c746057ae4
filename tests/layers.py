"""An import-linter contract for Sanctuary's layers that finds the stages by itself.

The core packages are named in ``.importlinter``; every other package under ``sanctuary``
is a stage, added as the top layer of independent siblings. A new stage folder is therefore
checked from the moment it exists (the core may not import it, and it may not import another
stage) without anyone editing the contract: adding a module stays four lines
(docs/adding-a-module.md).
"""

from __future__ import annotations

from typing import Any

from importlinter.contracts.layers import Layer, LayersContract, ModuleTail

# The project's own modules above every layer: the URL configuration names each stage.
PROJECT = {"urls", "wsgi"}


class StageLayersContract(LayersContract):
    type_name = "stage_layers"

    def check(self, graph: Any, verbose: bool) -> Any:
        core_layers = list(self.layers)  # type: ignore[call-overload]
        core = {tail.name for layer in core_layers for tail in layer.module_tails}
        packages = {
            name.rsplit(".", 1)[1]
            for name in graph.find_children("sanctuary")
            if graph.find_children(name) and name.rsplit(".", 1)[1] not in core | PROJECT
        }
        self.stages = sorted(packages)
        self.layers = [Layer(module_tails={ModuleTail(name) for name in packages}, is_independent=True), *core_layers]
        return super().check(graph, verbose)
