"""Running the app: uvicorn on one socket, our own access log, a clear line on start."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from collections.abc import Callable

import uvicorn

from triage._advisor import Advisor
from triage._errors import TriageError
from triage.web._app import ACCESS_LOG, create_app


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(
    advisor: Advisor, host: str = "127.0.0.1", port: int = 8000, *, say: Callable[[str], None] = print
) -> None:
    """Serve the page and the API on host:port until interrupted (port 0: any free port).

    Says where it listens and that it stores nothing. Raises TriageError when it cannot listen.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family)
    except (OSError, OverflowError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a usable address"
        raise TriageError(f"cannot listen on {host} port {port}: {reason}", code="cannot_listen") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    pack = advisor.pack
    say(f"triage serve: listening on http://{shown}:{bound}/ (rule pack {pack.id} {pack.version})")
    say("It stores nothing: answers are not kept, and the log holds method, path, status and time only.")
    if not is_loopback(host):
        say("Not loopback only: expose it only behind the council's reverse proxy and sign-in (README).")
    say("Press Ctrl-C to stop.")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    ACCESS_LOG.propagate = False
    # uvicorn's own access log would add the client's address and the query string: ours only.
    config = uvicorn.Config(create_app(advisor), access_log=False, log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
