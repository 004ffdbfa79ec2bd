# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test bed's transport into its containers: containers.podman's podman connection, pipelined.

Molecule's podman driver names the connection ``podman``; the scenarios' Ansible configuration puts
this directory first on the connection plugin path, so this plugin answers to that name. A task
then costs one process started in the container (the module arrives on standard input) instead of
a mount, a temporary directory, a copy, an exec and a clean-up, and the container's file system is
mounted only when a file is transferred. The process is started with ``runc exec`` on the
container's own process spec, the step ``podman exec`` ends in, without podman's and conmon's start
and bookkeeping, which cost about three times as much CPU as runc itself; a container runc does not
know (another runtime, rootless podman) or a task for a named non-root user gets ``podman exec``.
Modules run exactly as over SSH with pipelining, the way most sites run Ansible. The collection
itself ships no connection plugin; this is test equipment only.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.connection import ensure_connect
from ansible_collections.containers.podman.plugins.connection import podman

DOCUMENTATION = """
    name: podman
    short_description: Run tasks in the test bed's podman containers, pipelined
    description:
      - containers.podman.podman with pipelining, for the molecule scenarios of this collection.
    author: mailsec.hardening contributors
    options:
      remote_addr:
        description: The container's name.
        default: inventory_hostname
        vars:
          - name: ansible_host
          - name: inventory_hostname
          - name: ansible_podman_host
      remote_user:
        description: The user tasks run as inside the container.
        ini:
          - section: defaults
            key: remote_user
        env:
          - name: ANSIBLE_REMOTE_USER
        vars:
          - name: ansible_user
      podman_extra_args:
        description: Extra arguments to pass to the podman command line.
        default: ''
        vars:
          - name: ansible_podman_extra_args
      podman_executable:
        description: Executable for podman command.
        default: podman
        vars:
          - name: ansible_podman_executable
"""


class Connection(podman.Connection):
    """podman exec with standard input attached, so modules can be pipelined."""

    transport = "podman"
    has_pipelining = True

    def _connect(self):
        # Mount the container's file system only for a file transfer (see _mounted).
        self._connected = True
        return self

    def _mounted(self):
        if self._mount_point is None:
            podman.Connection._connect(self)
        return self

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        # The base class's, not podman.Connection's: that one runs podman exec without -i.
        super(podman.Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        argv = shlex.split(to_native(cmd, errors="surrogate_or_strict"))
        runc_id = None if self.user not in (None, "", "root") else _runc_container_id(self._container_id)
        if runc_id:
            return _runc_exec(runc_id, argv, in_data)
        args = ["exec"]
        if in_data is not None:
            args.append("--interactive")
        if self.user:
            args.extend(("--user", self.user))
        return self._podman(args, argv, in_data)

    def put_file(self, in_path, out_path):
        self._mounted()
        return super().put_file(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        self._mounted()
        return super().fetch_file(in_path, out_path)


# Where rootful podman keeps its containers, and where runc keeps the state of running ones.
_PODMAN_CONTAINERS = "/var/lib/containers/storage/overlay-containers/containers.json"
_RUNC_ROOT = "/run/runc"


def _runc_container_id(name):
    """Return the full ID of the running container called name if runc runs it, else None."""
    try:
        with open(_PODMAN_CONTAINERS, encoding="utf-8") as handle:
            containers = json.load(handle)
    except (OSError, ValueError):
        return None
    for container in containers:
        if name in container.get("names", ()) or container.get("id") == name:
            identifier = container["id"]
            if os.path.exists(os.path.join(_RUNC_ROOT, identifier, "state.json")):
                return identifier
            return None
    return None


def _runc_exec(identifier, argv, in_data):
    """Run argv in the container with its own process spec; return rc, stdout, stderr."""
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        ["runc", "--root", _RUNC_ROOT, "exec", identifier] + argv,
        stdin=subprocess.PIPE if in_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.communicate(input=in_data)
    return process.returncode, stdout, stderr
