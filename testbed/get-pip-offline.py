"""Stand-in for the get-pip.py that ansible-test downloads to bootstrap pip in its virtualenvs.

ansible-test fetches that script from a host outside the package registries, which this
project's machines cannot reach. This stand-in does the same job from the registries:
ensurepip, then `pip install` of the packages ansible-test asks for (its pinned pip first).
testbed/sanity.sh puts it where ansible-test looks for a cached copy.
"""
import subprocess
import sys

packages = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
sys.exit(subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + packages,
                        check=False).returncode)
