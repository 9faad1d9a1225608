#!/usr/bin/env bash
# Make sure the Debian packages briefgen needs are installed; install them when we can (root),
# otherwise say exactly which packages to install. Usage: scripts/system-deps.sh brief|test|bench
set -euo pipefail

# fonts-noto-core and fonts-noto-cjk draw the scripts beyond PT Serif/Sans the briefs use
# (Devanagari, Chinese); fontconfig's fc-list lets the build check that every character is drawn.
# libcairo2: cairosvg draws the figures as PNG for Word.
need=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 fontconfig fonts-paratype fonts-dejavu-core
  fonts-noto-core fonts-noto-cjk)
case "${1:-brief}" in
  brief) ;;
  test) need+=(poppler-utils chromium chromium-driver default-jre-headless git cmark-gfm pandoc zsh libreoffice-writer-nogui) ;;
  bench) need+=(hugo time git) ;;
  *) echo "usage: $0 brief|test|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure Pango >= 1.44, HarfBuzz (with libharfbuzz-subset) and the PT Serif/PT Sans fonts are installed" >&2
  exit 0
fi

missing=()
for pkg in "${need[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

for pkg in "${missing[@]}"; do
  if [[ $pkg == libpango-1.0-0 || $pkg == libpangoft2-1.0-0 ]]; then
    echo "system-deps: WeasyPrint needs Pango, which is missing: install the Debian package '$pkg'." >&2
  fi
done

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "system-deps: missing Debian packages: ${missing[*]}" >&2
echo "system-deps: run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
exit 1
