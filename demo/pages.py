"""HTML layouts for the demo sites, from a 2000s table page to a 2020s HTML5 page. All markup is ours.

The layouts deliberately surround the same policy text with different chrome (navigation, footers, sidebars,
banners), so the demo shows that a redesign alone never makes a new version.
"""

from __future__ import annotations

from html import escape

from palimpsest.demo.texts import Block


def _blocks(blocks: list[Block], heading: str = "h2", first_heading: str = "h1") -> str:
    out = []
    for index, (kind, value) in enumerate(blocks):
        if kind == "h":
            tag = first_heading if index == 0 else heading
            out.append(f"<{tag}>{escape(str(value))}</{tag}>")
        elif kind == "p":
            out.append(f"<p>{escape(str(value))}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{escape(item)}</li>" for item in value)  # type: ignore[union-attr]
            out.append(f"<ul>{items}</ul>")
    return "\n".join(out)


def classic_table(title: str, blocks: list[Block], *, charset: str = "iso-8859-1") -> str:
    """A 2000s page: layout tables, a navigation column, <font> tags, no <main> or <article>."""
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}</title>
</head>
<body bgcolor="#fdf8ec">
<table width="760" border="0" cellpadding="6">
<tr><td colspan="2"><font size="+2" face="Georgia">Lantern Books</font> &middot; est. 1987</td></tr>
<tr>
<td width="150" valign="top" bgcolor="#e9dfc4"><font size="-1">
<a href="/">Home</a><br><a href="/catalogue.html">Catalogue</a><br><a href="/events.html">Readings</a><br>
<a href="/contact.html">Find the shop</a></font></td>
<td valign="top"><font face="Georgia">
{_blocks(blocks)}
</font></td></tr>
<tr><td colspan="2" align="center"><font size="-2">&copy; Lantern Books. Best viewed at 800&times;600.</font></td></tr>
</table>
</body></html>
"""


def modern(title: str, blocks: list[Block], *, site_name: str, lang: str = "en", banner: bool = False) -> str:
    """A 2010s–2020s page: header navigation, <main>, a footer with many links, optionally a cookie banner."""
    cookie = (
        '<div class="cookie-banner" role="dialog"><p>We use cookies to remember your basket. '
        "<button>Accept</button> <button>Settings</button></p></div>"
        if banner
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {escape(site_name)}</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="site-header"><a class="logo" href="/">{escape(site_name)}</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop</a></li><li><a href="/about">About us</a></li>
<li><a href="/help">Help</a></li></ul></nav></header>
{cookie}
<main id="content">
<article class="policy">
{_blocks(blocks)}
</article>
</main>
<footer class="site-footer">
<ul><li><a href="/terms">Terms</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/press">Press</a></li>
<li><a href="/jobs">Jobs</a></li></ul>
<p>&copy; {escape(site_name)}. All rights reserved.</p>
</footer>
<script src="/static/app.js"></script>
</body></html>
"""


def div_only(title: str, blocks: list[Block], *, site_name: str) -> str:
    """A single-page-app shell with server-rendered text: nothing but <div>s, no <main> and no <article>."""
    parts = []
    for kind, value in blocks:
        if kind == "h":
            parts.append(f'<div class="section-title"><h2>{escape(str(value))}</h2></div>')
        elif kind == "p":
            parts.append(f'<div class="section-body"><p>{escape(str(value))}</p></div>')
        else:
            items = "".join(f'<div class="item">• {escape(item)}</div>' for item in value)  # type: ignore[union-attr]
            parts.append(f'<div class="list">{items}</div>')
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<div id="app">
<div class="topbar"><div class="brand">{escape(site_name)}</div>
<div class="menu"><div><a href="/app">Get the app</a></div><div><a href="/clubs">Clubs</a></div>
<div><a href="/blog">Blog</a></div></div></div>
<div class="page"><div class="content">
{body}
</div>
<div class="sidebar"><div class="widget">Download Fjord Fitness for iOS and Android.</div></div>
</div>
<div class="bottombar"><div>&copy; {escape(site_name)}</div><div><a href="/legal">Legal</a></div></div>
</div>
</body></html>
"""


def japanese(title: str, blocks: list[Block], *, charset: str) -> str:
    """A Japanese corporate page; ``charset`` is what the page declares (the caller encodes to match)."""
    return f"""<!DOCTYPE html>
<html lang="ja"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}｜くもメール</title>
</head>
<body>
<div id="header"><a href="/">くもメール</a> <a href="/login">ログイン</a> <a href="/signup">新規登録</a></div>
<div id="wrapper"><main>
{_blocks(blocks)}
</main></div>
<div id="footer"><a href="/company">会社概要</a>｜<a href="/terms">利用規約</a>｜
<a href="/privacy/">個人情報保護方針</a>
<p>Copyright (C) Kumo Mail Inc.</p></div>
</body></html>
"""


def not_found(site_name: str) -> str:
    return f"""<!DOCTYPE html><html><head><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The page you asked {escape(site_name)} for does not exist.</p></body></html>
"""


def homepage(site_name: str, tagline: str, links: list[tuple[str, str]], *, lang: str = "en") -> str:
    """A site's front page: a greeting and a footer of links, among them (under some name) the privacy policy."""
    footer = " · ".join(f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in links)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(site_name)}</title></head>
<body>
<header><a href="/">{escape(site_name)}</a></header>
<main><h1>{escape(site_name)}</h1><p>{escape(tagline)}</p></main>
<footer><p>{footer}</p></footer>
</body></html>
"""
