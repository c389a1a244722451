#!/usr/bin/env python3
"""Generates a synthetic site of N pages for the crawl benchmark.

Pages are 15-40 KB of HTML with navigation, paragraphs in several EU
languages, euro prices and ~25 links each (fan-out into the whole site), so
the crawler, extractor and classifier all do realistic work. Deterministic
for a given seed. All text is synthetic."""
import os
import random
import sys

WORDS = {
    "en": "open an account today and trade crypto with low fees secure custody for your digital assets".split(),
    "de": "jetzt konto eröffnen und bitcoin kaufen mit niedrigen gebühren sichere verwahrung für ihre kryptowerte".split(),
    "fr": "ouvrez un compte aujourd'hui et achetez des cryptomonnaies avec des frais réduits en toute sécurité".split(),
    "it": "apri un conto oggi e compra criptovalute con commissioni basse custodia sicura per i tuoi asset".split(),
    "pl": "otwórz konto już dziś i kupuj kryptowaluty z niskimi opłatami bezpieczne przechowywanie aktywów".split(),
}


def paragraph(rng, lang):
    words = WORDS[lang]
    return " ".join(rng.choice(words) for _ in range(rng.randint(40, 90))).capitalize() + "."


def page(rng, index, total):
    lang = rng.choice(list(WORDS))
    links = "".join(
        f'<li><a href="/p/{rng.randrange(total)}.html">Page {rng.randrange(total)}</a></li>'
        for _ in range(25)
    )
    body = "".join(f"<p>{paragraph(rng, lang)}</p>" for _ in range(rng.randint(12, 30)))
    price = f"<table><tr><td>BTC</td><td>{rng.randint(20000, 90000)} €</td><td>SEPA</td></tr></table>"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Bench page {index}</title>
<meta name="description" content="Synthetic benchmark page {index}"></head>
<body><header><nav><ul>{links}</ul></nav></header>
<main><h1>Bench page {index}</h1>{body}{price}
<a class="btn" href="/signup.html">Sign up</a></main>
<footer><p>Bench Exchange Ltd — synthetic page for measurements.</p></footer></body></html>
"""


def main():
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    rng = random.Random(20261128)
    os.makedirs(os.path.join(out, "p"), exist_ok=True)
    index_links = "".join(f'<a href="/p/{i}.html">{i}</a> ' for i in range(0, total, max(1, total // 200)))
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(f"<!doctype html><html lang=en><head><title>Bench</title></head><body>{index_links}</body></html>")
    with open(os.path.join(out, "signup.html"), "w") as f:
        f.write("<!doctype html><html lang=en><head><title>Sign up</title></head><body><button>Register</button></body></html>")
    for i in range(total):
        with open(os.path.join(out, "p", f"{i}.html"), "w") as f:
            f.write(page(rng, i, total))
    with open(os.path.join(out, "robots.txt"), "w") as f:
        f.write("User-agent: *\nAllow: /\nSitemap: http://bench-site.example/sitemap.xml\n")
    with open(os.path.join(out, "sitemap.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for i in range(total):
            f.write(f"<url><loc>http://bench-site.example/p/{i}.html</loc></url>\n")
        f.write("</urlset>\n")


if __name__ == "__main__":
    main()
