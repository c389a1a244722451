#!/usr/bin/env python3
"""Compares two micar-scan JSON reports in everything but what differs from
run to run by design: timestamps, the scan id, WARC record ids, file names
and offsets (record sizes carry timestamps). Lists are compared as
multisets, and the quoted examples in verdict reasons as placeholders,
because the crawl visits pages concurrently: the order of pages and
findings, and so which examples a reason quotes first, varies between two
runs of the same binary. Prints the first differences and exits 1 if there
are any, 0 if the reports agree.

Usage: scripts/compare-reports.py OLD.json NEW.json
"""
import json
import re
import sys

VOLATILE_KEYS = {
    "id",  # the scan id (finding ids are fingerprints and kept: see below)
    "started_at", "finished_at", "fetched_at", "created_at", "checked_at",
    "old_started_at", "new_started_at", "old_scan_id", "new_scan_id",
    "warc_record_id", "warc_file", "warc_offset", "offset",
}
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z|\d{8}T\d{6}Z")
QUOTED = re.compile(r"“[^”]*”")


def normalise(value, key=None, parent=None):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            # Finding ids are fingerprints of rule, URL and text: stable, so compared.
            if k in VOLATILE_KEYS and not (k == "id" and "rule_id" in value):
                continue
            out[k] = normalise(v, k, value)
        return out
    if isinstance(value, list):
        items = [normalise(v, key, parent) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, str):
        text = STAMP.sub("<time>", value)
        return QUOTED.sub("“…”", text) if key == "reasons" else text
    return value


def differences(a, b, path="$", out=None, limit=20):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if type(a) is not type(b):
        out.append(f"{path}: {a!r:.120} != {b!r:.120}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'new' if k in b else 'old'}")
            else:
                differences(a[k], b[k], f"{path}.{k}", out, limit)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: {a!r:.120} != {b!r:.120}")
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        old = normalise(json.load(f))
    with open(sys.argv[2], encoding="utf-8") as f:
        new = normalise(json.load(f))
    found = differences(old, new)
    for line in found:
        print(line)
    if found:
        return 1
    firms = len(new.get("firms", []))
    findings = sum(len(f.get("findings", [])) for f in new.get("firms", []))
    pages = sum(len(f.get("pages", [])) for f in new.get("firms", []))
    print(f"same: {firms} firms, {pages} pages, {findings} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
