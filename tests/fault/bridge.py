"""Byte pipes between a loopback TCP port and a Unix socket, for workers in network namespaces.

A worker started in a network namespace of its own (`tests.fault.host`) has a loopback device
and nothing else: it cannot reach PostgreSQL, Redis or the bucket on the harness's loopback.
A pathname Unix socket is a file, and files are not in a network namespace, so each service
crosses as a pair of pipes: on the harness's side `unix_to_tcp` (a socket file forwarding to
the service's port), inside the namespace `tcp_to_unix` (the same port on the namespace's own
loopback, forwarding to that file). The worker's URLs stay `127.0.0.1:<port>`; the only
channels between the "hosts" are these three services.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

_BUFFER = 64 * 1024


def _splice(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side ends; then close both."""
    peers = {a: b, b: a}
    try:
        while True:
            readable, _, _ = select.select(list(peers), [], [])
            for source in readable:
                data = source.recv(_BUFFER)
                if not data:
                    return
                peers[source].sendall(data)
    except OSError:
        return
    finally:
        for sock in (a, b):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _serve(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    """Accept forever; splice each connection to a new one from `connect` (in a thread)."""
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return  # the listener was closed
        try:
            upstream = connect()
        except OSError:
            conn.close()  # the service is down: the client sees the connection end
            continue
        threading.Thread(target=_splice, args=(conn, upstream), daemon=True).start()


def _start(listener: socket.socket, connect: Callable[[], socket.socket]) -> socket.socket:
    threading.Thread(target=_serve, args=(listener, connect), daemon=True).start()
    return listener


def unix_to_tcp(path: Path, port: int) -> socket.socket:
    """Listen on the socket file `path`, forwarding to 127.0.0.1:`port` (close it to stop)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(128)

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.settimeout(None)  # a Redis connection may sit idle in a blocking read for long
        return sock

    return _start(listener, connect)


def tcp_to_unix(port: int, path: Path) -> socket.socket:
    """Listen on 127.0.0.1:`port`, forwarding to the socket file `path`."""

    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
        except OSError:
            sock.close()
            raise
        return sock

    listener = socket.create_server(("127.0.0.1", port), backlog=128)
    return _start(listener, connect)
