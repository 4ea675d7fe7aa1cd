"""Backprop Lab for a lecture hall: N app processes behind nginx, started by one command.

    python deploy/serve.py --workers 2 --port 8080 [--host 0.0.0.0]

Every playing session costs its server process CPU, and one process uses one core (its
sessions share one interpreter). Several processes behind a proxy use every core. This
script:

* starts ``--workers`` Streamlit processes of app.py on free local ports, sharing one cookie
  secret (so an upload's XSRF cookie is good on any of them);
* writes deploy/nginx.conf.in out with those ports and runs Debian's nginx on it
  (``apt-get install nginx``): WebSocket upgrade; a newcomer goes to the worker with the
  fewest open connections, then a cookie keeps the tab on it (see the file);
* checks each worker's health every second (``/_stcore/health``) and restarts one that
  exited or has not answered for ``--hung`` seconds. A restarted worker's sessions reconnect
  by themselves and rebuild from their address (the page's link holds the settings and the
  steps trained), as after any server restart;
* writes ``status.json`` in ``--state-dir`` (workers, ports, pids, restarts) and stops
  everything on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.in")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def nginx_conf(listen: str, ports: list[int], prefix: Path, temp: Path) -> str:
    """deploy/nginx.conf.in with its fields filled in."""
    addr = [f"127.0.0.1:{p}" for p in ports]
    servers = "\n".join(f"        server {a} max_fails=0;" for a in addr)
    workers = "\n".join(
        f"    upstream bpl_w{i} {{\n        server {a} max_fails=0;\n"
        + "".join(f"        server {b} backup;\n" for b in addr if b != a)
        # kept-alive connections: a tab's pulls (HTTP, lab/player/route.py) reuse them
        + "        keepalive 32;\n    }"
        for i, a in enumerate(addr))
    cookies = "\n".join(f'        "{a}" bpl_w{i};' for i, a in enumerate(addr))
    user = ""
    if os.geteuid() == 0:  # nginx's workers leave root for an unprivileged user
        user = "user nobody nogroup;" if _has_group("nogroup") else "user nobody;"
    return (TEMPLATE.read_text().replace("@PREFIX@", str(prefix)).replace("@TEMP@", str(temp))
            .replace("@LISTEN@", listen)
            .replace("@SERVERS@", servers).replace("@WORKER_UPSTREAMS@", workers)
            .replace("@COOKIE_MAP@", cookies).replace("@USER@", user))


def _has_group(name: str) -> bool:
    import grp
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _die_with_parent() -> None:
    """In a child, before exec: SIGTERM when this launcher dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so no worker or nginx outlives it. (It fires when the thread that
    started the child ends: start them from the main thread, as main() does. One
    async-signal-safe call, so the preexec_fn hazard with threads does not apply.)"""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


BOOT = 120.0  # seconds a (re)started worker has to answer its first health check


class Worker:
    """One ``streamlit run app.py`` on a fixed local port (kept across restarts)."""

    def __init__(self, index: int, port: int, secret: str, logs: Path):
        self.index, self.port, self.secret = index, port, secret
        self.log_path = logs / f"worker{index}.log"
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self.unanswered_since: float | None = None
        self.started_at = 0.0
        self.answered = False  # since its last start (until then it is booting, not hung)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 (one prctl call; see there)
            # (Streamlit takes its cookie secret from the environment, not a flag)
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "STREAMLIT_SERVER_COOKIE_SECRET": self.secret})
        log.close()
        self.unanswered_since, self.answered = None, False
        self.started_at = time.monotonic()

    def stop(self, timeout: float = 10.0, *, kill: bool = False) -> None:
        """SIGTERM and wait (SIGKILL after ``timeout``); ``kill``: SIGKILL at once (a hung
        or stopped process would not act on SIGTERM)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        if kill:
            self.proc.kill()
            self.proc.wait()
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Hall:
    def __init__(self, workers: int, host: str, port: int, state_dir: Path, nginx: str,
                 hung: float):
        self.host, self.port, self.dir, self.nginx_bin, self.hung = host, port, state_dir, \
            nginx, hung
        self.dir.mkdir(parents=True, exist_ok=True)
        # nginx's unprivileged workers buffer uploads in its temp paths: a directory of
        # their own under /tmp (the state dir's parents may be closed to them)
        self.temp = Path(tempfile.mkdtemp(prefix="backprop-lab-nginx-"))
        self.temp.chmod(0o755)
        secret = secrets.token_urlsafe(32)
        self.workers = [Worker(i, free_port(), secret, self.dir) for i in range(workers)]
        self.nginx: subprocess.Popen | None = None
        self.stopping = False

    @property
    def url(self) -> str:
        return f"http://{'127.0.0.1' if self.host == '0.0.0.0' else self.host}:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        for w in self.workers:
            w.start()
        conf = self.dir / "nginx.conf"
        listen = f"{self.host}:{self.port}"
        conf.write_text(nginx_conf(listen, [w.port for w in self.workers], self.dir, self.temp))
        self.conf = conf
        test = subprocess.run([self.nginx_bin, "-t", "-q", "-p", str(self.dir), "-c",
                               str(conf)], check=False, capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx refused {conf}:\n{test.stderr}")
        self.start_nginx()
        deadline = time.monotonic() + timeout
        while not all(healthy(w.url + "/_stcore/health") for w in self.workers):
            self._check_processes()
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers not healthy after {timeout:.0f} s; logs in {self.dir}")
            time.sleep(0.25)
        while not healthy(self.url + "/_stcore/health"):
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.dir / 'error.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the proxy does not answer")
            time.sleep(0.1)
        self.write_status()

    def start_nginx(self) -> None:
        self.nginx = subprocess.Popen(
            [self.nginx_bin, "-p", str(self.dir), "-c", str(self.conf), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)  # noqa: PLW1509

    def _check_processes(self) -> None:
        for w in self.workers:
            if w.proc.poll() is not None:
                raise RuntimeError(f"worker {w.index} exited with code {w.proc.returncode}: "
                                   f"{w.log_path.read_text()[-2000:]}")

    def watch_once(self) -> list[str]:
        """One round of health checks; restarts what needs it. Returns what it did."""
        said = []
        if self.nginx.poll() is not None:
            said.append(f"nginx exited with code {self.nginx.returncode}: restarted")
            self.start_nginx()
        now = time.monotonic()
        for w in self.workers:
            why = None
            if w.proc.poll() is not None:
                why = f"exited with code {w.proc.returncode}"
            elif healthy(w.url + "/_stcore/health"):
                w.unanswered_since, w.answered = None, True
            elif not w.answered:  # booting
                if now - w.started_at >= BOOT:
                    why = f"did not answer within {BOOT:.0f} s of starting"
            else:
                w.unanswered_since = w.unanswered_since or now
                if now - w.unanswered_since >= self.hung:
                    why = f"has not answered its health check for {self.hung:.0f} s"
            if why:
                w.stop(kill=True)
                w.start()
                w.restarts += 1
                said.append(f"worker {w.index} (port {w.port}) {why}: restarted")
        if said:
            self.write_status()
        return said

    def write_status(self) -> None:
        status = {"url": self.url, "nginx_pid": self.nginx.pid if self.nginx else None,
                  "workers": [{"index": w.index, "port": w.port, "pid": w.proc.pid,
                               "restarts": w.restarts} for w in self.workers]}
        tmp = self.dir / "status.json.tmp"
        tmp.write_text(json.dumps(status, indent=1))
        tmp.replace(self.dir / "status.json")

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        self.stopping = True
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: open connections finish
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for w in self.workers:
            w.stop()
        shutil.rmtree(self.temp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="app processes (default: one per core)")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address nginx listens on (0.0.0.0: every interface)")
    ap.add_argument("--port", type=int, default=8080, help="port nginx listens on")
    ap.add_argument("--state-dir", type=Path, default=None,
                    help="nginx's files, the workers' logs and status.json (default: a "
                         "temporary directory, removed at exit)")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx",
                    help="the nginx binary")
    ap.add_argument("--hung", type=float, default=15.0,
                    help="seconds without a health answer before a worker is restarted")
    args = ap.parse_args(argv)
    if not 1 <= args.workers <= 64:
        ap.error(f"--workers must be 1 … 64, got {args.workers}")
    if ":" in args.host:
        ap.error("--host takes an IPv4 address or a name (0.0.0.0: every interface)")
    if not Path(args.nginx).exists():
        ap.error(f"nginx not found at {args.nginx}: install it (apt-get install nginx)")
    own_dir = args.state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="backprop-lab-hall-")) if own_dir else args.state_dir
    hall = Hall(args.workers, args.host, args.port, state_dir, args.nginx, args.hung)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):  # (a closed terminal sends SIGHUP)
        signal.signal(sig, on_signal)
    try:
        hall.start()
        print(f"Backprop Lab: {hall.url}  ({args.workers} workers behind nginx; "
              f"files in {state_dir})", flush=True)
        while True:
            time.sleep(1.0)
            for line in hall.watch_once():
                print(line, flush=True)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        hall.stop()
        if own_dir:
            shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
