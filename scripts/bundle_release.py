"""Put a release's tables into the Python package, so that `pip install balochistan-events` then
`load()` works anywhere: src/balochistan_events/bundled/ gets the release's datapackage.json, its
data/*.csv and data/*.parquet and its schemas/*.json, byte for byte from the zip.

    python scripts/bundle_release.py dist/balochistan-events-X.Y.Z.zip

The zip is verified first (`balochistan-events verify`), and when the version is in
src/balochistan_events/registry.json its sha256 must be the registered one. The release workflow runs
this before building the wheel; maintainers run it after `release` and commit the result.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "balochistan_events" / "bundled"
KEEP = ("datapackage.json",)
KEEP_DIRS = {"data": (".csv", ".parquet"), "schemas": (".json",)}


def wanted(rel: str) -> bool:
    if rel in KEEP:
        return True
    folder, _, name = rel.partition("/")
    return folder in KEEP_DIRS and "/" not in name and name.endswith(KEEP_DIRS[folder])


def bundle(zip_path: Path, target: Path = TARGET) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from balochistan_events.package.download import registry
    from balochistan_events.package.source import ZipSource
    from balochistan_events.release.verify import format_text, verify_release

    result = verify_release(zip_path)
    if not result.ok:
        raise SystemExit(f"{zip_path} does not verify:\n{format_text(result)}")
    registered = registry().get(result.version or "")
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    if registered is not None and registered != digest:
        raise SystemExit(f"{zip_path} has sha256 {digest}; registry.json says {registered} for {result.version}")
    src = ZipSource(zip_path)
    written = []
    try:
        staging = Path(tempfile.mkdtemp(prefix=".bundled-", dir=target.parent))
        for name in sorted(src.members):
            rel = name[len(src.prefix):]
            if name.startswith(src.prefix) and wanted(rel):
                out = staging / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(src.read(rel))
                written.append(rel)
    finally:
        src.close()
    old = target.with_name(".bundled-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, help="the release zip (balochistan-events-X.Y.Z.zip)")
    parser.add_argument("--to", type=Path, default=TARGET, help="the folder to fill (default: the package's bundled/)")
    args = parser.parse_args()
    files = bundle(args.zip, args.to)
    print(f"bundled {len(files)} files from {args.zip} into {args.to}")


if __name__ == "__main__":
    main()
