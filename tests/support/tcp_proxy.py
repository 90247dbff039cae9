"""A TCP forwarder a test can cut: a dependency (SQS on moto) unreachable for a while.

    proxy = TcpProxy.start(target_port=moto.port)   # clients use proxy.url
    with proxy.down():                               # connections refused meanwhile
        ...
    with proxy.silent():                             # connections taken, never answered
        ...
    proxy.stop()

While down, the listening socket is closed (new connections are refused at once, as for a
service that is gone) and open connections are cut; `down()` reopens it on the same port.
While silent, open connections are cut and new ones are accepted and held with no answer
(a black hole after the handshake: what a client sees of a hung service or a dropped route).
"""

import contextlib
import socket
import threading
from collections.abc import Iterator

from localservices.ports import free_port

HOST = "127.0.0.1"


class TcpProxy:
    def __init__(self, *, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._silent = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @classmethod
    def start(cls, *, target_port: int) -> "TcpProxy":
        proxy = cls(port=free_port(), target_port=target_port)
        proxy._listen()
        return proxy

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed: down() or stop()
                return
            if self._silent:
                with self._lock:
                    self._connections.append(client)  # held, unanswered, until cut
                continue
            try:
                upstream = socket.create_connection((HOST, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def _cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._cut_connections()

    def _cut_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Refuse every connection (and cut the open ones) for the block."""
        self._cut()
        try:
            yield
        finally:
            self._listen()

    @contextlib.contextmanager
    def silent(self) -> Iterator[None]:
        """Accept connections but answer nothing (and cut the open ones) for the block."""
        self._silent = True
        self._cut_connections()
        try:
            yield
        finally:
            self._silent = False
            self._cut_connections()

    def stop(self) -> None:
        self._cut()
