"""The declaration form (a version's JSON Schema) as HTML fields and back (issue 3 §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FormField:
    name: str
    title: str
    kind: str  # text | date | number | select
    required: bool
    choices: tuple[str, ...] = ()
    value: str = ""
    pattern: str = ""
    error: str = ""

    @property
    def input_id(self) -> str:
        return f"form-{self.name}"


def fields_of(
    schema: dict | None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[FormField]:
    if not schema:
        return []
    values = values or {}
    errors = errors or {}
    required = set(schema.get("required", []))
    fields = []
    for name, spec in schema.get("properties", {}).items():
        kind = "text"
        if "enum" in spec:
            kind = "select"
        elif spec.get("format") == "date":
            kind = "date"
        elif spec.get("type") in ("integer", "number"):
            kind = "number"
        value = values.get(name, spec.get("default", ""))
        fields.append(
            FormField(
                name=name,
                title=spec.get("title", name),
                kind=kind,
                required=name in required,
                choices=tuple(str(c) for c in spec.get("enum", ())),
                value="" if value is None else str(value),
                pattern=spec.get("pattern", ""),
                error=" ".join(errors.get(f"form.{name}", [])),
            )
        )
    return fields


def values_from(schema: dict | None, post) -> dict[str, Any] | None:
    """The filled values (empty ones left out), typed as the schema says; None without a
    schema (the declaration is then the uploaded form)."""
    if not schema:
        return None
    data: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        raw = (post.get(f"form-{name}") or "").strip()
        if not raw:
            continue
        if spec.get("type") == "integer":
            data[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        else:
            data[name] = raw
    return data
