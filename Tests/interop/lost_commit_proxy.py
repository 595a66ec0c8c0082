#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that loses the connection at a keyvault write's COMMIT, once.

    lost_commit_proxy.py MODE PORT_FILE SERVER_HOST SERVER_PORT

Listens on 127.0.0.1 (a free port, written to PORT_FILE) and passes every connection through to the server, reading
the PostgreSQL protocol the client sends (no TLS: connect with sslmode=disable). On the first connection that sends a
COMMIT after an INSERT INTO keyvault_writes, it cuts both sides:
  before  the COMMIT never reaches the server (which rolls the write back when it sees the connection go);
  after   the COMMIT reaches the server, which commits, and its reply never reaches the client;
  gone    as before, and every later connection is closed at once (the server cannot be reached again);
  halfopen  the COMMIT never reaches the server, and only the client's side is closed: the server still sees its
          session waiting, idle in its transaction, as after a network failure it was not told of;
  read    as before, at the first COMMIT of all (a command that wrote nothing).
Otherwise every later connection is passed through untouched. When it cuts, it writes PORT_FILE.cut. Runs until
killed.
"""
import os
import signal

# Started by a test process through system(3) from one of its threads: it inherits that thread's blocked signals
# (libdispatch's threads block SIGTERM, so the test's kill went unnoticed and proxies outlived their tests) and every
# descriptor the test process had open without close-on-exec, among them the pipes of keyvault runs other tests were
# making at that moment, whose readers then never saw end-of-file (a test run hung, 2026-12-06). Neither is kept.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.closerange(3, os.sysconf("SC_OPEN_MAX"))

import socket
import struct
import sys
import threading

mode, port_file, server_host, server_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cut_lock = threading.Lock()
cut_done = False
held = []  # the server sides of half-open connections, kept open


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def close_both(a, b):
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client):
    global cut_done
    server = socket.create_connection((server_host, server_port))
    state = {"swallow": False}

    def server_to_client():
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if state["swallow"]:
                    # The server answered the COMMIT: it committed. The answer is lost.
                    break
                client.sendall(data)
        except OSError:
            pass
        close_both(client, server)

    threading.Thread(target=server_to_client, daemon=True).start()
    try:
        # Untyped messages first: GSSENCRequest and SSLRequest (answered by the server), then the startup message.
        while True:
            length = read_exactly(client, 4)
            body = read_exactly(client, struct.unpack("!I", length)[0] - 4)
            server.sendall(length + body)
            if struct.unpack("!I", body[:4])[0] not in (80877103, 80877104):
                break
        saw_insert = False
        while True:
            kind = read_exactly(client, 1)
            length = read_exactly(client, 4)
            body = read_exactly(client, struct.unpack("!I", length)[0] - 4)
            if kind in (b"P", b"Q"):
                query = body.split(b"\x00")[1] if kind == b"P" else body.rstrip(b"\x00")
                if b"INSERT INTO keyvault_writes" in query:
                    saw_insert = True
                elif query.strip() == b"COMMIT" and (saw_insert or mode == "read"):
                    with cut_lock:
                        cut = not cut_done
                        cut_done = True
                    if cut:
                        open(port_file + ".cut", "w").close()
                    if cut and mode == "halfopen":
                        client.shutdown(socket.SHUT_RDWR)
                        client.close()
                        held.append(server)
                        return
                    if cut and mode in ("before", "gone", "read"):
                        close_both(client, server)
                        return
                    if cut:
                        state["swallow"] = True
            server.sendall(kind + length + body)
    except (EOFError, OSError):
        pass
    close_both(client, server)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    connection, _ = listener.accept()
    if mode == "gone" and cut_done:
        connection.close()
        continue
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
