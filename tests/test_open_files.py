"""A server started under a low limit on open files still serves every list: each memory-mapped
index file holds a descriptor (``cblod.cli.limits``), so every command raises the soft limit
towards the hard one first."""

from __future__ import annotations

import sys

import requests

from tests.helpers.servers import free_port, process_serving

#: below what the lists' mapped files, the engine and the server's sockets need together
LOW = 96


def test_a_server_under_a_low_open_files_limit_serves_every_list(demo_store):
    port = free_port()
    serve = [sys.executable, "-m", "cblod", "serve", "--store", str(demo_store.path),
             "--port", str(port)]  # fmt: skip
    # the soft limit lowered for the server alone, the hard one left as it is
    command = ["sh", "-c", f'ulimit -S -n {LOW} && exec "$@"', "sh", *serve]
    base = f"http://127.0.0.1:{port}"
    with process_serving(command, base + "/"):
        for listing in ("/participations", "/projects", "/organisations", "/programmes"):
            answer = requests.get(base + listing + "?q=interreg", timeout=120)
            assert answer.status_code == 200, (listing, answer.text[:300])
            assert "<html" in answer.text.lower()
