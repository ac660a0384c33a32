#!/usr/bin/python3
"""render_post.py - draw a Bluesky post record as a small HTML card, for the README.

The Bluesky app cannot run here, so this is not how Bluesky draws a post: it renders the
record as the PDS stores it (one element of com.atproto.repo.listRecords' "records", or its
"value"): the text with its facets (UTF-8 byte ranges) turned into links (a link facet to its
URI, a tag facet to the hashtag's search page), the external embed as a card (title,
description, host), the handle and createdAt.  With --png, headless Chromium shoots it.

Emoji need a colour emoji font (Debian: fonts-noto-color-emoji).

usage: render_post.py RECORD.json OUT.html [--handle H] [--png OUT.png]
       (RECORD.json: a record, or a listRecords answer: its first record is drawn)
"""
import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

CSS = """
body { margin: 0; padding: 24px; background: #f1f3f5; font: 15px/1.45 system-ui, -apple-system,
       "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #0b0f14; }
.post { max-width: 560px; background: #fff; border: 1px solid #d4dbe2; border-radius: 12px;
        padding: 16px 18px; }
.head { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.avatar { width: 42px; height: 42px; border-radius: 50%; background: #1083fe; color: #fff;
          display: flex; align-items: center; justify-content: center; font-weight: 700; }
.handle { font-weight: 600; } .meta { color: #6f869f; font-size: 13px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: #1083fe; text-decoration: none; }
.card { display: block; margin-top: 12px; border: 1px solid #d4dbe2; border-radius: 10px;
        padding: 10px 12px; color: inherit; }
.card .host { color: #6f869f; font-size: 13px; } .card .title { font-weight: 600; }
.card .desc { color: #42576c; font-size: 14px; }
.note { max-width: 560px; color: #6f869f; font-size: 12px; margin-top: 8px; }
"""


def facet_html(text, facets):
    """The text as HTML, each facet's byte range wrapped in its link (ranges checked)."""
    b = text.encode("utf-8")
    spans = []
    for f in facets or []:
        s, e = f["index"]["byteStart"], f["index"]["byteEnd"]
        feat = (f.get("features") or [{}])[0]
        t = feat.get("$type", "")
        if t == "app.bsky.richtext.facet#link":
            href = feat["uri"]
        elif t == "app.bsky.richtext.facet#tag":
            href = "https://bsky.app/hashtag/" + urllib.parse.quote(feat["tag"])
        else:
            continue
        if not (0 <= s < e <= len(b)):
            raise ValueError("facet %d..%d outside the text" % (s, e))
        spans.append((s, e, href))
    spans.sort()
    out, pos = [], 0
    for s, e, href in spans:
        if s < pos:
            raise ValueError("overlapping facets")
        out.append(html.escape(b[pos:s].decode("utf-8")))
        out.append('<a href="%s">%s</a>' % (html.escape(href, quote=True), html.escape(b[s:e].decode("utf-8"))))
        pos = e
    out.append(html.escape(b[pos:].decode("utf-8")))
    return "".join(out)


def render(record, handle):
    v = record.get("value", record)
    when = v.get("createdAt", "")
    parts = ['<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8"><title>Post</title><style>%s</style>'
             '</head><body><article class="post">' % (html.escape((v.get("langs") or ["en"])[0]), CSS)]
    parts.append('<div class="head"><div class="avatar">%s</div><div><div class="handle">@%s</div>'
                 '<div class="meta">%s</div></div></div>' % (html.escape(handle[:1].upper()), html.escape(handle),
                                                              html.escape(when.replace("T", " ")[:16] + " UTC")))
    parts.append('<div class="text">%s</div>' % facet_html(v["text"], v.get("facets")))
    ext = (v.get("embed") or {}).get("external")
    if ext:
        host = urllib.parse.urlsplit(ext["uri"]).hostname or ""
        parts.append('<a class="card" href="%s"><div class="host">%s</div><div class="title">%s</div>'
                     '<div class="desc">%s</div></a>' % (html.escape(ext["uri"], quote=True), html.escape(host),
                                                         html.escape(ext.get("title", "")),
                                                         html.escape(ext.get("description", ""))))
    parts.append('</article><p class="note">The record as stored on the PDS (%s), rendered by '
                 'tests/tools/render_post.py &mdash; not the Bluesky app.</p></body></html>\n'
                 % html.escape(record.get("uri", "app.bsky.feed.post")))
    return "".join(parts)


def shoot(html_path, png_path, size="620,400"):
    profile = tempfile.mkdtemp(prefix="mb-chromium-")
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                        "--window-size=" + size, "--screenshot=" + os.path.abspath(png_path),
                        "file://" + os.path.abspath(html_path)],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=180,
                       check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("record")
    ap.add_argument("out")
    ap.add_argument("--handle", default="mentoring.uni.example")
    ap.add_argument("--png")
    a = ap.parse_args()
    with open(a.record, encoding="utf-8") as f:
        rec = json.load(f)
    if "records" in rec:
        rec = rec["records"][0]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(render(rec, a.handle))
    if a.png:
        shoot(a.out, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
