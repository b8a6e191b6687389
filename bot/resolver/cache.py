"""Fitted resolvers kept on disk: a process that starts on a catalog already fitted loads it in about a
second instead of fitting it again (some 20 s for 64 affairs, minutes on a busy machine).

An entry is named by a digest of everything a fit depends on: what the resolver reads from the catalog
(`Catalog.resolver_inputs`), the settings, the source of the `bot` package and the versions of the
libraries that fit and segment. Any change to one of them is a new entry, so an entry is never stale; the
oldest entries beyond `keep` are removed. Entries are pickles, which run code when loaded: the directory
is created readable by its owner alone (the service user), and nothing else is ever read from it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from bot.catalog.catalog import Catalog
from bot.resolver.cancellation import Cancelled, never_cancelled
from bot.resolver.resolver import Resolver, ResolverSettings

logger = logging.getLogger(__name__)

# The libraries whose behaviour a fitted resolver carries (vectors, models, segmentation).
FITTING_LIBRARIES = ("numpy", "scipy", "scikit-learn", "jieba", "pypinyin")
SUFFIX = ".resolver"
KEEP = 3


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the `bot` package's source: a change to any module makes every entry a new one."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    for library in FITTING_LIBRARIES:
        digest.update(f"{library}={version(library)}".encode())
    return digest.hexdigest()


def entry_key(catalog: Catalog, settings: ResolverSettings) -> str:
    """The entry's name: the same for two fits that would come out the same."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(repr(sorted(asdict(settings).items())).encode())
    digest.update(repr(catalog.resolver_inputs()).encode())
    return digest.hexdigest()[:40]


@dataclass(frozen=True)
class ResolverCache:
    """Fitted resolvers in `directory`, the newest `keep` of them."""

    directory: Path
    keep: int = KEEP

    def fitted(self, catalog: Catalog, settings: ResolverSettings, *,
               cancelled: Cancelled = never_cancelled) -> Resolver:
        """The resolver for this catalog and these settings: loaded when an entry exists, else fitted and kept.
        A fit that `cancelled` stops (FitCancelled, see `Resolver`) is not kept."""
        path = self.directory / f"{entry_key(catalog, settings)}{SUFFIX}"
        resolver = self._load(path)
        if resolver is None:
            resolver = Resolver(catalog, settings, cancelled=cancelled)
            self._store(path, resolver)
        return resolver

    def entries(self) -> list[Path]:
        """The entries, newest (last used) first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{SUFFIX}"), key=_last_used, reverse=True)

    def _load(self, path: Path) -> Resolver | None:
        try:
            with path.open("rb") as stream:
                resolver = pickle.load(stream)  # noqa: S301 - our own directory, owner-only (module docstring)
        except FileNotFoundError:
            return None
        except OSError as error:  # no directory, no permission: fit, and say why once
            logger.warning("resolver cache unreadable (%s): fitting", type(error).__name__)
            return None
        except Exception as error:  # noqa: BLE001 - a damaged entry (cut short, other classes) is fitted again
            logger.warning("resolver cache entry %s damaged (%s): fitting again", path.name, type(error).__name__)
            resolver = None
        if not isinstance(resolver, Resolver):
            _remove(path)
            return None
        _touch(path)  # last used: kept longest
        return resolver

    def _store(self, path: Path, resolver: Resolver) -> None:
        """Write the entry whole or not at all (two processes may fit the same catalog at once)."""
        partial: Path | None = None
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".partial-", delete=False) as stream:
                partial = Path(stream.name)
                pickle.dump(resolver, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)
            partial = None
            for old in self.entries()[self.keep:]:
                _remove(old)
        except Exception as error:  # noqa: BLE001 - a full or read-only disk costs the next start a fit, no more
            logger.warning("resolver cache entry not written (%s)", type(error).__name__)
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    with suppress(OSError):
        path.unlink(missing_ok=True)


def _touch(path: Path) -> None:
    with suppress(OSError):
        path.touch()


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed by another process meanwhile
        return 0.0


def configured_cache(directory: str, keep: int = KEEP) -> ResolverCache | None:
    """The cache in `directory` (the RESOLVER_CACHE_DIR setting) keeping `keep` entries (RESOLVER_CACHE_KEEP); none
    when the directory is empty."""
    return ResolverCache(Path(directory), keep) if directory.strip() else None
