"""One worker "host" of the fault harness's scale-out mode, started as

    unshare -rnu python -m tests.fault.host --name N --bridge PORT=SOCKET_FILE ... -- CMD

Run inside fresh user, network and UTS namespaces (`unshare -rnu`, no root needed where the
kernel allows unprivileged user namespaces): it names the host (`worker_id` starts with it),
brings up the namespace's loopback, bridges each service port to its socket file
(`tests.fault.bridge`), then runs CMD (the worker) as its child and ends as the child did, a
SIGKILL included, so the harness sees a killed worker as a killed host. SIGTERM and SIGINT
are passed on to the child.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

from tests.fault.bridge import tcp_to_unix

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = "16sh22x"  # struct ifreq: the name, then the flags in the union (40 bytes)


def loopback_up() -> None:
    """`ip link set lo up`, without needing the `ip` tool (a new namespace's lo is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack(_IFREQ, b"lo", 0)
        flags = struct.unpack(_IFREQ, fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | _IFF_UP))


def _bridge(text: str) -> tuple[int, Path]:
    port, _, path = text.partition("=")
    if not port.isdigit() or not path:
        raise argparse.ArgumentTypeError(f"a bridge is PORT=SOCKET_FILE, not {text!r}")
    return int(port), Path(path)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fault.host")
    parser.add_argument("--name", required=True, help="this host's name")
    parser.add_argument("--bridge", type=_bridge, action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    socket.sethostname(args.name)
    loopback_up()
    listeners = [tcp_to_unix(port, path) for port, path in args.bridge]
    child = subprocess.Popen(command)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _: child.send_signal(received))
    code = child.wait()
    for listener in listeners:
        listener.close()
    if code < 0:  # die as the child died, so a SIGKILLed worker is a SIGKILLed host
        if -code != signal.SIGKILL:
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main()
