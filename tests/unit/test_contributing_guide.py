# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/contributing.md stays true: every file and directory it names exists, and every layer
directory of plugins/module_utils is on the page."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "contributing.md"
PATH = re.compile(r"`((?:plugins|tests|molecule|docs|roles)/[A-Za-z0-9_./-]+)`")


def named_paths(text):
    return sorted(set(PATH.findall(text)))


def test_every_path_the_guide_names_exists():
    paths = named_paths(GUIDE.read_text())
    assert len(paths) >= 15
    assert [p for p in paths if not (ROOT / p).exists()] == []


def test_every_layer_is_on_the_page():
    layers = sorted(p.name for p in (ROOT / "plugins" / "module_utils").iterdir() if p.is_dir() and p.name != "__pycache__")
    text = GUIDE.read_text()
    assert [layer for layer in layers if "plugins/module_utils/%s/" % layer not in text] == []


def test_a_missing_path_is_seen():
    # positive control
    assert named_paths("edit `plugins/module_utils/nowhere/_x.py`") == ["plugins/module_utils/nowhere/_x.py"]
    assert not (ROOT / "plugins/module_utils/nowhere/_x.py").exists()
