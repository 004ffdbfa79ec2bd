# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write docs/controls.md from the control catalogue (run after changing a control:
`make controls-doc`); the unit tests fail while the two differ."""

from __future__ import annotations

import pathlib

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue._controls_doc import markdown

TARGET = pathlib.Path(__file__).resolve().parent.parent / "docs" / "controls.md"

if __name__ == "__main__":
    TARGET.write_text(markdown())
    print("wrote %s" % TARGET)
