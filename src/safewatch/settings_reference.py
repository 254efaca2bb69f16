"""Every setting and its environment name, read from the settings classes themselves (types,
defaults, the comment above each field), so `docs/configuration.md` cannot drift from the code:
`safewatch settings > docs/configuration.md`, and a test compares the two."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

# Set by `serve` itself (its options), or internal: not configuration.
NOT_SETTINGS = {"port", "service_name"}
HEADER = ["| env | default | meaning |", "| --- | --- | --- |"]
ELSEWHERE = [
    ("SAFEWATCH_LOG_LEVEL", "info", "log level of every command (`--log-level`)"),
    (
        "SAFEWATCH_LOG_FORMAT",
        "auto",
        "`json` or `console`; auto: readable lines on a terminal, JSON otherwise",
    ),
    ("SAFEWATCH_DEMO_PASSWORD", "generated", "`serve --demo` users' password; `demo` reads it"),
    ("SAFEWATCH_TEST_POSTGRES_URL", "unset", "tests: a PostgreSQL server for test databases"),
    ("CI", "unset", "tests: `true` makes the PostgreSQL, Redis and browser tests mandatory"),
]


def _comments(cls: type) -> dict[str, str]:
    """field name -> the comment block above it (or on its line). A block also covers the
    fields right below it, up to a blank line: those read "as above"."""
    source = textwrap.dedent(inspect.getsource(cls))
    lines = source.splitlines()
    found: dict[str, str] = {}
    previous, previous_end = "", -2
    for node in ast.parse(source).body[0].body:  # type: ignore[attr-defined]
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        above: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].strip().startswith("#"):
            above.insert(0, lines[row].strip().lstrip("# "))
            row -= 1
        inline = lines[node.lineno - 1].partition("  # ")[2]
        meaning = " ".join([*above, inline]).strip()
        if not meaning and row == previous_end and found.get(previous):
            meaning = "as above"
        found[node.target.id] = meaning
        previous, previous_end = node.target.id, (node.end_lineno or node.lineno) - 1
    return found


def _all_comments(cls: type) -> dict[str, str]:
    merged: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        if issubclass(base, BaseSettings) and base is not BaseSettings:
            merged.update(_comments(base))
    return merged


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return "see below"
    value = info.default
    if value is PydanticUndefined or value is None:
        return "unset"
    return f"`{value}`"


def _env_name(cls: type[BaseSettings], name: str, info: FieldInfo) -> str:
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    return f"{cls.model_config.get('env_prefix', '')}{name}".upper()


def _rows(cls: type[BaseSettings], nested: list[tuple[str, type[BaseSettings]]]) -> list[str]:
    comments = _all_comments(cls)
    rows = []
    for name, info in cls.model_fields.items():
        if name in NOT_SETTINGS:
            continue
        kind: Any = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseSettings):
            nested.append((name, kind))
            continue
        meaning = info.description or comments.get(name, "")
        rows.append(f"| `{_env_name(cls, name, info)}` | {_default(info)} | {meaning} |")
    return rows


def _table(title: str, cls: type[BaseSettings]) -> list[str]:
    nested: list[tuple[str, type[BaseSettings]]] = []
    out = [f"## {title}", "", *HEADER]
    out += _rows(cls, nested)
    for _, inner in nested:
        prefix = inner.model_config.get("env_prefix", "")
        out += ["", f"### {title}: {inner.__name__} (`{prefix}*`)"]
        out += ["", *HEADER, *_rows(inner, [])]
    return [*out, ""]


def render() -> str:
    from safewatch.atlas.settings import AtlasSettings
    from safewatch.halo.settings import HaloSettings
    from safewatch.resq.settings import ResqSettings

    out = [
        "# Configuration reference",
        "",
        "Every setting is an environment variable. This page is generated from the settings",
        "classes (`safewatch settings > docs/configuration.md`; a test keeps it current).",
        "`*_DATABASE_URL` unset means a SQLite file in `SAFEWATCH_DATA_DIR`.",
        "",
    ]
    out += _table("ResQ", ResqSettings)
    out += _table("Atlas", AtlasSettings)
    out += _table("Halo", HaloSettings)
    out += [
        "## Outside the services' settings",
        "",
        "| env | default | meaning |",
        "| --- | --- | --- |",
    ]
    out += [f"| `{name}` | {default} | {meaning} |" for name, default, meaning in ELSEWHERE]
    return "\n".join(out) + "\n"
