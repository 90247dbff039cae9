"""Free TCP ports on 127.0.0.1 (other engineers run suites on the same machine)."""

import socket


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick; reuse races are retried by callers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
