"""The user's path, checked from an installed wheel (no extras), the way the README runs it.

    python .ci/smoke.py VENV_BIN
    python .ci/smoke.py --serve-command "..."

In a fresh temporary folder: ``cblod --help``, ``cblod --version``, ``python -m cblod``,
``cblod ingest`` of the bundled samples into a *relative* ``--store``, ``cblod serve`` of it;
then every link on the home and dumps pages must answer 200, a project page must name its
partners, and the SPARQL endpoint must answer a query with the sum the seed page states. With
``--serve-command`` (a shell line, run from the current folder) the same checks run against
that server instead: CI passes the README's quick-start line verbatim.

Standard library only: it runs before, and apart from, the test suite's dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SUM_QUERY = """SELECT (SUM(?erdf) AS ?total) WHERE {
  ?project cbo:acronym "4Smart Growth" .
  ?p cbo:project ?project ; cbo:euContribution ?erdf }"""


def run(*command: str, cwd: Path) -> str:
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fetch(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(base: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode} before answering")
        try:
            if fetch(base + "/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"no answer from {base} within {seconds} s")


def links(html: str) -> set[str]:
    return {h for h in re.findall(r'href="([^"#]+)', html) if h.startswith("/")}


def check_site(base: str) -> None:
    """Every link on the home and dumps pages answers 200; a page and a query are right."""
    checked = 0
    for start in ("/", "/dumps/"):
        status, body = fetch(base + start)
        assert status == 200, f"{start}: {status}"
        for link in sorted(links(body.decode())):
            status, _ = fetch(urllib.parse.urljoin(base, link))
            assert status == 200, f"{link} (linked from {start}) answered {status}"
            checked += 1
    print(f"{checked} links on / and /dumps/ answered 200")

    status, body = fetch(base + "/doc/project/central-baltic-2014-2020/4smart-growth.html")
    assert status == 200, f"project page: {status}"
    assert "Turku Science Park" in body.decode(), "the project page names no partner"

    query = urllib.parse.urlencode({"query": SUM_QUERY})
    status, body = fetch(f"{base}/sparql?{query}", Accept="application/sparql-results+json")
    assert status == 200, f"/sparql: {status} {body[:300]!r}"
    (row,) = json.loads(body)["results"]["bindings"]
    assert row["total"]["value"] == "817789.75", row
    print("project page and SPARQL answer right")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_and_check(
    command: list[str] | str, base: str, cwd: Path, startup_seconds: float = 300
) -> None:
    print("$", command if isinstance(command, str) else " ".join(command), "&", flush=True)
    process = subprocess.Popen(
        command, cwd=cwd, shell=isinstance(command, str), start_new_session=True
    )
    try:
        wait_for(base, process, startup_seconds)
        check_site(base)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("venv_bin", type=Path, nargs="?", help="bin/ of the wheel's venv")
    parser.add_argument("--serve-command", help="a shell line that serves on 127.0.0.1:5000")
    args = parser.parse_args()
    if args.serve_command:
        # the line installs cblod before it serves: allow for the download
        serve_and_check(args.serve_command, "http://127.0.0.1:5000", Path.cwd(), 1200)
        return
    if args.venv_bin is None:
        parser.error("give the wheel's VENV_BIN or --serve-command")
    cblod = str(args.venv_bin.absolute() / "cblod")
    python = str(args.venv_bin.absolute() / "python")
    with tempfile.TemporaryDirectory(prefix="cblod-smoke-") as folder:
        here = Path(folder)
        assert "ingest" in run(cblod, "--help", cwd=here)
        print(run(cblod, "--version", cwd=here).strip())
        run(python, "-m", "cblod", "--version", cwd=here)
        samples = run(cblod, "samples", cwd=here).split()
        print(run(cblod, "ingest", "-q", "--store", "./store", *samples, cwd=here).strip())
        port = free_port()
        command = [cblod, "serve", "--store", "./store", "--port", str(port)]
        serve_and_check(command, f"http://127.0.0.1:{port}", here)


if __name__ == "__main__":
    main()
