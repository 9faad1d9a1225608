"""Issue 2 set-up: a missing Pango is named as the Debian package to install, early and clearly."""

from __future__ import annotations

import builtins
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from briefgen.render.pdf import PdfError, load_weasyprint
from tests.conftest import REPO


def test_missing_pango_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_pango(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': cannot open shared object file")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(PdfError, match=re.escape("install the Debian packages libpango-1.0-0")):
        load_weasyprint()


def _fake_bin(tmp_path: Path, installed: set[str], uid: str) -> dict[str, str]:
    """A PATH where dpkg-query knows only `installed` and `id -u` prints `uid`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    listed = " ".join(sorted(installed))
    (bin_dir / "dpkg-query").write_text(
        "#!/bin/sh\nfor last; do :; done\nfor p in " + listed + '; do [ "$p" = "$last" ] && '
        "printf 'install ok installed' && exit 0; done\nexit 1\n"
    )
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}


def test_system_deps_names_missing_pango_without_root(tmp_path: Path) -> None:
    env = _fake_bin(tmp_path, {"python3-venv", "fonts-dejavu-core"}, uid="1000")
    res = subprocess.run(
        ["bash", str(REPO / "scripts" / "system-deps.sh"), "brief"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 1
    assert (
        "WeasyPrint needs Pango, which is missing: install the Debian package 'libpango-1.0-0'"
        in res.stderr
    )
    assert "run: sudo apt-get install --no-install-recommends libpango-1.0-0" in res.stderr


def test_system_deps_quiet_when_all_present(tmp_path: Path) -> None:
    pkgs = {
        "python3-venv",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "libcairo2",
        "fonts-paratype",
        "fonts-dejavu-core",
        "fontconfig",
        "fonts-noto-core",
        "fonts-noto-cjk",
    }
    env = _fake_bin(tmp_path, pkgs, uid="1000")
    res = subprocess.run(
        ["bash", str(REPO / "scripts" / "system-deps.sh"), "brief"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 0 and res.stderr == ""
