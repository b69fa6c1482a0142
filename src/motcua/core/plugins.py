"""A registry of plugins for one kind of external party (DESIGN: Plugins behind a registry):
payment gateways, postal carriers, SMS gateways. Each plugin registers a factory under a name;
the modules that hold the built-in plugins are imported on first use, so a plugin module can
import the registry's own package without a cycle."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module


class Registry[T]:
    def __init__(self, kind: str, *builtin_modules: str) -> None:
        self.kind = kind
        self._modules = builtin_modules
        self._factories: dict[str, Callable[[], T]] = {}
        self._loaded = False

    def register(self, name: str, factory: Callable[[], T]) -> None:
        self._factories[name] = factory

    def get(self, name: str) -> T:
        """The plugin ``name`` with its current settings; KeyError if there is none."""
        self._load()
        try:
            factory = self._factories[name]
        except KeyError:
            raise KeyError(f"no {self.kind} named {name!r}") from None
        return factory()

    def names(self) -> list[str]:
        self._load()
        return sorted(self._factories)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                import_module(module)
