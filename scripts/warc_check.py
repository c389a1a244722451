#!/usr/bin/env python3
"""Reads WARC files back with warcio, the reference reader of the web-archiving
field, independently of micar-scan's own reader.

Every record is read to its end with digest checking on, so warcio recomputes
each WARC-Block-Digest and WARC-Payload-Digest. Prints one JSON summary on
stdout and exits 1 when any digest fails, no digest is checked on a record
that declares one, or a file cannot be read; 2 on usage errors.

    scripts/warc_check.py FILE.warc.gz [FILE ...]
"""

import json
import sys

try:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed
except ImportError:
    print("warc_check: the Python package warcio is not installed", file=sys.stderr)
    sys.exit(2)


def check_file(path, summary):
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        for record in records:
            # Digests are only compared once the whole record has been read.
            while record.raw_stream.read(1 << 16):
                pass
            headers = record.rec_headers
            record_type = headers.get_header("WARC-Type")
            declares_digest = bool(
                headers.get_header("WARC-Block-Digest")
                or headers.get_header("WARC-Payload-Digest")
            )
            checker = record.digest_checker
            entry = {
                "file": path,
                "offset": records.get_record_offset(),
                "type": record_type,
                "id": headers.get_header("WARC-Record-ID"),
                "target_uri": headers.get_header("WARC-Target-URI"),
                "truncated": headers.get_header("WARC-Truncated"),
                "digest": {True: "ok", False: "failed", None: "unchecked"}[checker.passed],
                "digest_problems": list(checker.problems),
            }
            if record.http_headers is not None and record_type == "response":
                entry["http_status"] = record.http_headers.get_statuscode()
            summary["records"].append(entry)
            summary["by_type"][record_type] = summary["by_type"].get(record_type, 0) + 1
            if record.rec_headers.get_header("WARC-Target-URI"):
                summary["target_uris"].append(headers.get_header("WARC-Target-URI"))
            if checker.passed is False or (declares_digest and checker.passed is None):
                summary["digest_ok"] = False


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    summary = {
        "files": argv[1:],
        "by_type": {},
        "target_uris": [],
        "digest_ok": True,
        "errors": [],
        "records": [],
    }
    for path in argv[1:]:
        try:
            check_file(path, summary)
        except (ArchiveLoadFailed, OSError, ValueError) as error:
            summary["errors"].append({"file": path, "message": str(error)})
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0 if summary["digest_ok"] and not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
