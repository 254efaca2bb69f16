"""Services in one process find each other: Halo and ResQ reach the Atlas that `serve` runs
beside them, at its real port, each with a product key made for it (kept in the data dir,
stored hashed in Atlas), unless the operator configured their own Atlas connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from safewatch.core.auth import NewApiKey, api_key_from_secret
from safewatch.core.auth.sign_in import secret_file
from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.logging import get_logger

KEY_DIR = "atlas-keys"
WILDCARDS = ("", "0.0.0.0", "::")
log = get_logger(__name__)


@dataclass
class LocalAtlas:
    """The Atlas of this process, and the products wired to it with their keys."""

    url: str
    data_dir: Path
    wired: dict[str, NewApiKey] = field(default_factory=dict)

    def wire(self, product: str) -> str:
        """This product's key, made once and kept (owner-only) in the data dir."""
        namespace = f"atlas_{product}"
        secret = secret_file(self.key_path(product), 32, prefix=f"{namespace}_")
        self.wired[product] = api_key_from_secret(namespace, secret)
        return secret

    def key_path(self, product: str) -> Path:
        return kept_key_path(self.data_dir, product)


def kept_key_path(data_dir: Path, product: str) -> Path:
    """Where `serve` keeps a wired product's Atlas key (the demo reads Halo's from there)."""
    return data_dir / KEY_DIR / f"{product}.key"


async def register_local_keys(db: Database, local: LocalAtlas) -> None:
    """Atlas learns the wired products' keys (hashed) before it answers anyone."""
    from safewatch.atlas.products.keys import ensure_key

    async with db.transaction() as session:
        for product, key in local.wired.items():
            if not await ensure_key(session, key, product, now=SystemClock().now()):
                log.warning(
                    "local_atlas_key_revoked",
                    product=product,
                    hint=f"an operator revoked {local.key_path(product)}: delete the file and "
                    "restart to make a new key, or set the product's Atlas key yourself",
                )


def local_atlas(names: list[str], data_dir: Path, host: str, port: int) -> LocalAtlas | None:
    if "atlas" not in names:
        return None
    return LocalAtlas(f"http://{reachable(host)}:{port}", data_dir)


def reachable(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    if host in WILDCARDS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
