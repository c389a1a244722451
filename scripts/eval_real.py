#!/usr/bin/env python3
"""Scores the scanner on real public pages.

Each labelled page (eval/real-pages.toml: id, url, class, expected level)
is served on loopback under its own host and path, from a file in DIR:
  DIR/<id>.html   a whole page, served as it is;
  DIR/<id>.json   {"text": ...}, page text pulled at development time,
                  served as a plain HTML page (first line as the title,
                  every line a paragraph);
  DIR/<id>.txt    the same, as plain text.
Every page becomes a one-page firm of one scan, run with the real binary
(`[scan.resolve]` sends each host to the loopback server; https URLs are
fetched as http). The verdict of each firm is compared with its label.

Prints the confusion matrix, the exact and within-one rates, a table per
class, the checks the verdict must pass, and every miss with the reasons
the scanner gave. Real page text stays in DIR (git-ignored) and in the
temporary directory; nothing here writes it anywhere else.

Usage: eval_real.py --binary PATH [--labels FILE] [--json OUT] [--only ID,...]
                    [--keep-report OUT] [--patterns DIR] DIR
"""
import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import threading
import tomllib
import urllib.parse
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LEVELS = ["none", "weak", "moderate", "strong"]
# Classes whose publisher does not solicit anyone: never `strong`.
NOT_SOLICITATION = {"non_eu", "non_crypto", "education", "news", "public_body"}
# A firm's own pages aimed at the EU: never `none`.
OWN_EU = {"own_eu", "own_en_eu"}


def text_page(text: str) -> bytes:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    title = lines[0] if lines else ""
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    ).encode("utf-8")


def load_page(directory: str, page_id: str):
    for ext in ("html", "json", "txt"):
        path = os.path.join(directory, f"{page_id}.{ext}")
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if ext == "html":
            return data
        if ext == "json":
            return text_page(json.loads(data.decode("utf-8"))["text"])
        return text_page(data.decode("utf-8", errors="replace"))
    return None


def served_url(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(scheme="http", fragment="")


def key(host: str, path_and_query: str) -> tuple:
    return (host.lower().rstrip("."), urllib.parse.unquote(path_and_query or "/"))


class Site(BaseHTTPRequestHandler):
    pages: dict = {}

    def do_GET(self):  # noqa: N802 (the standard library's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        body = self.pages.get(key(host, self.path))
        if body is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def log_message(self, *args):
        pass


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--labels", default="eval/real-pages.toml")
    parser.add_argument("--json", help="write per-page results here (they quote page text: keep it out of the repository)")
    parser.add_argument("--only", help="comma-separated page ids")
    parser.add_argument("--keep-report", help="copy the scan's report here (it quotes page text: keep it out of the repository)")
    parser.add_argument("--patterns", help="score with this pattern directory instead of the bundled rules (try a rule change without rebuilding)")
    args = parser.parse_args()

    with open(args.labels, "rb") as f:
        labels = tomllib.load(f)["page"]
    if args.only:
        wanted = set(args.only.split(","))
        labels = [p for p in labels if p["id"] in wanted]

    pages, missing = [], []
    for label in labels:
        body = load_page(args.dir, label["id"])
        if body is None:
            missing.append(label["id"])
            continue
        pages.append((label, body))
    if missing:
        print(f"{len(missing)} labelled pages have no file in {args.dir} and are left out: "
              + ", ".join(missing[:10]) + (" …" if len(missing) > 10 else ""), file=sys.stderr)
    if not pages:
        print(f"no pages to score in {args.dir}", file=sys.stderr)
        return 2

    Site.pages = {}
    hosts = set()
    for label, body in pages:
        url = served_url(label["url"])
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        Site.pages[key(url.hostname or "", path)] = body
        # The crawler drops tracking parameters (utm_*, gclid ...) before it
        # asks, so the page answers on its bare path as well.
        Site.pages.setdefault(key(url.hostname or "", url.path or "/"), body)
        hosts.add((url.hostname or "").lower())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    with tempfile.TemporaryDirectory(prefix="micar-eval-") as tmp:
        config = [
            "[scan]",
            "max_depth = 0",
            "max_pages_per_site = 1",
            "sitemaps = false",
            "per_host_rate = 50.0",
            "concurrency = 16",
            "timeout = \"20s\"",
            "allow_networks = [\"127.0.0.1/32\"]",
            "[scan.resolve]",
        ]
        for host in sorted(hosts):
            config.append(f"{toml_string(host)} = \"127.0.0.1:{port}\"")
        for label, _ in pages:
            config += ["", "[[firm]]", f"name = {toml_string(label['id'])}",
                       f"websites = [{toml_string(served_url(label['url']).geturl())}]"]
        config_path = os.path.join(tmp, "eval.toml")
        with open(config_path, "w", encoding="utf-8") as f:
            f.write("\n".join(config) + "\n")
        report_path = os.path.join(tmp, "report.json")
        command = [args.binary, "scan", config_path, "--output", report_path]
        if args.patterns:
            command += ["--patterns", os.path.abspath(args.patterns)]
        run = subprocess.run(command, capture_output=True, text=True)
        server.shutdown()
        # 1: a verdict reached --fail-on (not used here); 4: some firm unassessed.
        if run.returncode not in (0, 1, 4) or not os.path.exists(report_path):
            print(run.stderr[-4000:], file=sys.stderr)
            print(f"scan failed with exit code {run.returncode}", file=sys.stderr)
            return 3
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        if args.keep_report:
            with open(args.keep_report, "w", encoding="utf-8") as f:
                json.dump(report, f, ensure_ascii=False)

    firms = {firm["name"]: firm for firm in report["firms"]}
    results = []
    for label, _ in pages:
        firm = firms.get(label["id"])
        got = firm["verdict"]["level"] if firm else "missing"
        role = None
        if firm and firm.get("pages"):
            role = firm["pages"][0].get("role")
        results.append({
            "id": label["id"], "class": label["class"], "expected": label["expected"], "got": got,
            "role": role, "url": label["url"],
            "reasons": firm["verdict"]["reasons"] if firm else [],
            "pages_ok": len(firm.get("pages", [])) if firm else 0,
        })

    levels = LEVELS + sorted({r["got"] for r in results} - set(LEVELS))
    matrix = Counter((r["expected"], r["got"]) for r in results)
    n = len(results)
    exact = sum(r["expected"] == r["got"] for r in results)

    def within_one(r):
        return r["got"] in LEVELS and abs(LEVELS.index(r["got"]) - LEVELS.index(r["expected"])) <= 1

    near = sum(within_one(r) for r in results)
    print(f"real pages scored: {n}")
    print("\nconfusion (rows: expected, columns: verdict)")
    print("expected   " + "".join(f"{lvl:>11}" for lvl in levels))
    for expected in LEVELS:
        print(f"{expected:<11}" + "".join(f"{matrix[(expected, got)]:>11}" for got in levels))
    print(f"\nexact level: {exact}/{n} = {exact / n:.3f}")
    print(f"within one level: {near}/{n} = {near / n:.3f}")

    by_class = defaultdict(list)
    for r in results:
        by_class[r["class"]].append(r)
    print("\nclass          n  exact  within1  strong  none")
    for cls in sorted(by_class):
        rs = by_class[cls]
        print(f"{cls:<12} {len(rs):>3}  {sum(r['expected'] == r['got'] for r in rs):>5}  "
              f"{sum(within_one(r) for r in rs):>7}  {sum(r['got'] == 'strong' for r in rs):>6}  "
              f"{sum(r['got'] == 'none' for r in rs):>4}")

    strong_wrong = [r for r in results if r["class"] in NOT_SOLICITATION and r["got"] == "strong"]
    none_own = [r for r in results if r["class"] in OWN_EU and r["got"] == "none"]
    print(f"\nstrong on non-EU, non-crypto, education, news, public-body pages: {len(strong_wrong)}")
    print(f"none on firms' own EU-facing pages: {len(none_own)}")

    misses = [r for r in results if r["expected"] != r["got"]]
    print(f"\nmisses: {len(misses)}")
    for r in sorted(misses, key=lambda r: (r["class"], r["id"])):
        print(f"- {r['id']} [{r['class']}] expected {r['expected']}, got {r['got']}"
              + (f" (role {r['role']})" if r["role"] else ""))
        for reason in r["reasons"][:3]:
            print(f"    · {reason[:220]}")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"results": results, "exact": exact, "n": n, "within_one": near}, f,
                      ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
