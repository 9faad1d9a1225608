"""A project's own look without copying templates: briefgen.yaml's `theme:` (organisation,
logo, colours, fonts, extra stylesheets), turned into CSS variables and checked files.

The values come from YAML, which is content: colours and font names are checked by the
schema's patterns and printed only through `variables_css`; the logo is a file a pull
request can change, so it must be a PNG, a JPEG or an SVG with nothing active in it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .images import FigureError, check_svg
from .project import read_source

COLOR_VARS = ("ink", "muted", "rule", "paper", "accent", "link", "panel")
FONT_VARS = ("serif", "sans")
GENERIC_FONTS = frozenset({"serif", "sans-serif", "monospace", "system-ui", "cursive"})
LOGO_LIMIT = 256 * 1024
CSS_LIMIT = 256 * 1024
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
LOGO_TYPES[".jpeg"] = LOGO_TYPES[".jpg"]
MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


@dataclass(frozen=True)
class Theme:
    """briefgen.yaml's `theme:`; empty by default, and then the default look is unchanged."""

    organisation: str | None = None
    logo: str | None = None  # project-relative path
    colors: tuple[tuple[str, str], ...] = ()  # (variable, #rrggbb), in COLOR_VARS order
    fonts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (variable, family names)
    extra_css: tuple[str, ...] = ()  # project-relative paths, applied in this order

    @property
    def files(self) -> tuple[str, ...]:
        """The project files the look is made of (inputs of every HTML and PDF output)."""
        return ((self.logo,) if self.logo else ()) + self.extra_css

    @property
    def has_brand(self) -> bool:
        """True when covers and the site's header show an organisation or a logo."""
        return bool(self.organisation or self.logo)

    @property
    def logo_type(self) -> str | None:
        """The logo's media type, by its suffix (the schema allows only these)."""
        return LOGO_TYPES.get(Path(self.logo).suffix.lower()) if self.logo else None


def theme_from(d: dict[str, Any] | None) -> Theme:
    """The Theme of validated `theme:` data."""
    d = d or {}
    colors = d.get("colors") or {}
    fonts = d.get("fonts") or {}
    return Theme(
        organisation=d.get("organisation"),
        logo=d.get("logo"),
        colors=tuple((k, colors[k]) for k in COLOR_VARS if k in colors),
        fonts=tuple((k, tuple(fonts[k])) for k in FONT_VARS if k in fonts),
        extra_css=tuple(d.get("extra_css", ())),
    )


def _font_value(names: tuple[str, ...]) -> str:
    return ", ".join(n if n in GENERIC_FONTS else f'"{n}"' for n in names)


def variables_css(theme: Theme) -> str:
    """The CSS variables the project sets, over the defaults of brief.css ('' when none)."""
    lines = [f"  --{k}: {v};" for k, v in theme.colors]
    lines += [f"  --{k}: {_font_value(v)};" for k, v in theme.fonts]
    return ":root {\n" + "\n".join(lines) + "\n}\n" if lines else ""


def read_file(root: Path, rel: str, limit: int) -> tuple[bytes | None, str | None]:
    """A theme file's bytes, or why not (missing, outside the project, too large)."""
    data, why = read_source(root, root / rel, limit)
    if why == "missing":
        return None, f"file {rel!r} not found"
    return data, (f"{rel}: {why}" if why else None)


def logo_problem(theme: Theme, data: bytes) -> str | None:
    """Why the logo's bytes may not be shown, or None."""
    kind = theme.logo_type
    if kind in MAGIC:
        return None if data.startswith(MAGIC[kind]) else f"{theme.logo} is not {kind} data"
    try:
        check_svg(data, theme.logo or "", "logo")
    except FigureError as exc:
        return str(exc)
    return None


def css_problem(rel: str, data: bytes) -> str | None:
    """Why an extra stylesheet may not be applied: it must be UTF-8, load nothing else and
    stay inside the <style> element a standalone brief inlines it into."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{rel} is not UTF-8 text"
    if "</" in text:
        return f"{rel} may not contain '</' (it is inlined into each brief's <style>)"
    if "@import" in text.lower():
        return f"{rel} may not @import other stylesheets; list them in extra_css"
    return None


def logo_data_uri(root: Path, theme: Theme) -> str | None:
    """The logo as a data: URI for standalone briefs and PDFs (no file beside them)."""
    if not theme.logo or not theme.logo_type:
        return None
    data, _ = read_file(root, theme.logo, LOGO_LIMIT)
    if data is None:
        return None
    return f"data:{theme.logo_type};base64,{base64.b64encode(data).decode('ascii')}"


def extra_css_text(root: Path, theme: Theme) -> str:
    """The project's extra stylesheets, in order, as inlined after the theme's variables."""
    parts = []
    for rel in theme.extra_css:
        data, _ = read_file(root, rel, CSS_LIMIT)
        parts.append(f"/* {rel} */\n{(data or b'').decode('utf-8', 'replace')}")
    return "\n".join(parts)


def site_files(root: Path, theme: Theme, theme_css: str) -> dict[str, bytes]:
    """The files the site adds for the theme, by site path: assets/theme.css (`theme_css`:
    variables and brand rules), assets/logo.EXT and each extra stylesheet (assets/extra/)."""
    out: dict[str, bytes] = {}
    sheets = site_stylesheets(theme)
    if theme_css:
        out[sheets.pop(0)] = theme_css.encode()
    logo = site_logo(theme)
    if logo and theme.logo:
        out[logo] = read_file(root, theme.logo, LOGO_LIMIT)[0] or b""
    for path, rel in zip(sheets, theme.extra_css, strict=True):
        out[path] = read_file(root, rel, CSS_LIMIT)[0] or b""
    return out


def site_logo(theme: Theme) -> str | None:
    """The logo's path in the site, or None."""
    return f"assets/logo{Path(theme.logo).suffix.lower()}" if theme.logo else None


def site_stylesheets(theme: Theme) -> list[str]:
    """The site paths of the stylesheets every page links after assets/site.css."""
    sheets = ["assets/theme.css"] if variables_css(theme) or theme.has_brand else []
    for i, rel in enumerate(theme.extra_css, 1):
        stem = re.sub(r"[^a-z0-9-]+", "-", Path(rel).stem.lower()).strip("-") or "style"
        sheets.append(f"assets/extra/{i:02d}-{stem}.css")
    return sheets
