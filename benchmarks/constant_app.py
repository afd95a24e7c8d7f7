"""The minimal app benchmarks/run.py compares `triage serve` with (`serve_vs_constant_app`): FastAPI
on uvicorn, its socket set up as `triage serve` sets up its own (one listening socket from
`socket.create_server`, TCP_NODELAY on it), answering every POST /v1/assess with the same JSON
bytes (a real answer of triage's, read from a file) after reading the request's body.

    python benchmarks/constant_app.py ANSWER.json   # prints "listening on http://127.0.0.1:PORT/"
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response

BODY = Path(sys.argv[1]).read_bytes()
app = FastAPI()


@app.post("/v1/assess")
async def assess(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


if __name__ == "__main__":
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
