"""Who else may see a stored file: a registry of access providers.

The owner and the uploader always may (``services.can_view``). Other apps register a
provider, a callable ``(user, stored_file) -> bool``; one ``True`` is enough. The dossiers
app registers one that lets the officers of a dossier's agencies see its files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from motcua.accounts.models import User
    from motcua.documents.models import StoredFile

AccessProvider = Callable[["User", "StoredFile"], bool]

_providers: list[AccessProvider] = []


def register(provider: AccessProvider) -> AccessProvider:
    """Add a provider (once); returns it, so it can be used as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: AccessProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def providers() -> tuple[AccessProvider, ...]:
    return tuple(_providers)


def granted(user: User, stored_file: StoredFile) -> bool:
    return any(provider(user, stored_file) for provider in _providers)
