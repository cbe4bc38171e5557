#!/usr/bin/env python3
"""Offline OpenAI-compatible LLM stub serving canned completions.

Used by tools/baml_test_offline.py (``baml-cli test``) and by the pytest
suite so that BAML functions can be exercised end-to-end without network
access or an API key.

Canned completions live in ``testdata/llm/*.json`` (one file per case)::

    {
      "description": "free text, ignored",
      "match": "substring that must appear in the prompt",   # or a list: all must appear
      "completion": "raw LLM text returned verbatim"
    }

Files are read in sorted file-name order on every request; the first file
whose selector matches the prompt (all message contents joined with
newlines) wins. ``"match": null`` marks a parse-only fixture that is never
served. No match -> HTTP 400 with an OpenAI-style error naming the start of
the prompt.

Endpoints:
  POST /v1/chat/completions, /chat/completions   (``"stream": true`` -> SSE)
  GET  /health                                   -> {"status": "ok", ...}
  GET  /v1/models, /models

Usage:
  python tools/stub_llm.py [--host 127.0.0.1] [--port 0] [--data-dir DIR]
                           [--port-file FILE] [--chunk-delay-ms N]

Prints ``LISTENING <port>`` on stdout once ready (and writes the port to
``--port-file`` when given). Python stdlib only.
"""

from __future__ import annotations

import argparse
import urllib.request
import subprocess
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "testdata" / "llm"
CHUNK_SIZE = 24  # characters per streamed delta


def log(msg: str) -> None:
    sys.stderr.write(f"[stub_llm] {msg}\n")
    sys.stderr.flush()


def load_cases(data_dir: Path) -> list[dict[str, Any]]:
    cases = []
    for path in sorted(data_dir.glob("*.json")):
        try:
            case = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"invalid canned completion {path}: {exc}") from exc
        if not isinstance(case, dict) or not isinstance(case.get("completion"), str):
            raise RuntimeError(f"{path}: expected an object with a string 'completion'")
        match = case.get("match")
        if match is not None and not isinstance(match, (str, list)):
            raise RuntimeError(
                f"{path}: 'match' must be a string, a list of strings or null"
            )
        case["_name"] = path.name
        cases.append(case)
    return cases


def prompt_text(body: dict[str, Any]) -> str:
    """Join all message contents (string or content-part list) of a request."""
    parts: list[str] = []
    for msg in body.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    parts.append(part["text"])
    if isinstance(body.get("prompt"), str):  # legacy completions shape
        parts.append(body["prompt"])
    return "\n".join(parts)


def select_case(cases: list[dict[str, Any]], prompt: str) -> dict[str, Any] | None:
    for case in cases:
        match = case.get("match")
        if match is None:
            continue
        needles = [match] if isinstance(match, str) else match
        if needles and all(n in prompt for n in needles):
            return case
    return None


class StubHandler(BaseHTTPRequestHandler):
    server_version = "coach-stub-llm/1.0"
    protocol_version = "HTTP/1.1"

    # --- helpers -----------------------------------------------------------
    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D401
        log(f"{self.address_string()} {fmt % args}")

    def _send_json(self, status: int, obj: Any) -> None:
        data = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(
        self, status: int, message: str, err_type: str = "invalid_request_error"
    ) -> None:
        log(f"-> {status}: {message}")
        self._send_json(
            status,
            {"error": {"message": message, "type": err_type, "code": "stub_no_match"}},
        )

    # --- routes ------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/health":
            try:
                n = len(load_cases(self.server.data_dir))  # type: ignore[attr-defined]
            except RuntimeError as exc:
                self._send_json(500, {"status": "error", "error": str(exc)})
                return
            self._send_json(200, {"status": "ok", "cases": n})
        elif path in ("/v1/models", "/models"):
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": "gpt-4o-mini", "object": "model", "owned_by": "stub"}
                    ],
                },
            )
        else:
            self._error(404, f"unknown path {self.path}", "not_found")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._error(404, f"unknown path {self.path}", "not_found")
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "request body is not valid JSON")
            return
        try:
            cases = load_cases(self.server.data_dir)  # type: ignore[attr-defined]
        except RuntimeError as exc:
            self._error(500, str(exc), "server_error")
            return
        prompt = prompt_text(body)
        stream = bool(body.get("stream"))
        case = select_case(cases, prompt)
        if case is None:
            start = " ".join(prompt.split())[:240]
            self._error(
                400,
                f"stub_llm: no canned completion in testdata/llm matches the prompt starting with: {start!r}",
            )
            return
        log(f"POST {path} stream={stream} model={body.get('model')} -> {case['_name']}")
        model = body.get("model") or "gpt-4o-mini"
        if stream:
            include_usage = bool(
                (body.get("stream_options") or {}).get("include_usage")
            )
            self._stream(case["completion"], model, include_usage)
        else:
            self._send_json(200, self._completion(case["completion"], model, prompt))

    # --- payloads ----------------------------------------------------------
    @staticmethod
    def _usage(prompt: str, completion: str) -> dict[str, int]:
        p, c = max(1, len(prompt) // 4), max(1, len(completion) // 4)
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    def _completion(self, text: str, model: str, prompt: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-stub-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": self._usage(prompt, text),
        }

    def _stream(self, text: str, model: str, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        cid = f"chatcmpl-stub-{uuid.uuid4().hex[:12]}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "finish_reason": finish,
                        "logprobs": None,
                    }
                ],
            }

        events: list[dict[str, Any]] = [
            chunk({"role": "assistant", "content": ""}, None)
        ]
        for i in range(0, len(text), CHUNK_SIZE):
            events.append(chunk({"content": text[i : i + CHUNK_SIZE]}, None))
        events.append(chunk({}, "stop"))
        if include_usage:
            usage_chunk = chunk({}, None)
            usage_chunk["choices"] = []
            usage_chunk["usage"] = self._usage("", text)
            events.append(usage_chunk)
        try:
            delay = self.server.chunk_delay_s  # type: ignore[attr-defined]
            for ev in events:
                self.wfile.write(b"data: " + json.dumps(ev).encode("utf-8") + b"\n\n")
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log("client closed the stream early")
        log(f"streamed {len(events) - 1} chunks")


def make_server(
    host: str, port: int, data_dir: Path, chunk_delay_ms: int = 0
) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), StubHandler)
    server.daemon_threads = True
    server.data_dir = data_dir  # type: ignore[attr-defined]
    server.chunk_delay_s = max(0, chunk_delay_ms) / 1000.0  # type: ignore[attr-defined]
    return server


def start_in_thread(
    data_dir: Path | None = None, host: str = "127.0.0.1", chunk_delay_ms: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the stub on a free port in a daemon thread (for in-process use)."""
    server = make_server(host, 0, data_dir or DEFAULT_DATA_DIR, chunk_delay_ms)
    thread = threading.Thread(target=server.serve_forever, name="stub-llm", daemon=True)
    thread.start()
    return server, thread


def spawn(
    data_dir: Path | None = None,
    *,
    chunk_delay_ms: int = 0,
    stderr: Any = None,
    timeout_s: float = 15.0,
) -> tuple[subprocess.Popen[str], int]:
    """Start the stub as a child process on a free loopback port.

    Returns the process and its port once ``/health`` answers; raises
    ``RuntimeError`` (after stopping the child) when it does not start in time.
    Stop it with :func:`stop`.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--port", "0"]
    cmd += ["--data-dir", str(data_dir or DEFAULT_DATA_DIR)]
    cmd += ["--chunk-delay-ms", str(chunk_delay_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    ports: list[int] = []

    def read_port() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("LISTENING "):
                ports.append(int(line.split()[1]))
                return

    reader = threading.Thread(target=read_port, daemon=True)
    reader.start()
    reader.join(timeout_s)
    # Loopback only, never through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while ports and time.monotonic() < deadline:
        try:
            with opener.open(f"http://127.0.0.1:{ports[0]}/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, ports[0]
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(
        f"stub LLM did not start within {timeout_s:.0f}s: {' '.join(cmd)}"
    )


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a stub started by :func:`spawn`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--host", default="127.0.0.1", help="bind address (default 127.0.0.1)"
    )
    ap.add_argument(
        "--port", type=int, default=0, help="port, 0 = pick a free one (default)"
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("STUB_LLM_DATA_DIR", DEFAULT_DATA_DIR)),
    )
    ap.add_argument(
        "--port-file", type=Path, help="also write the bound port to this file"
    )
    ap.add_argument(
        "--chunk-delay-ms",
        type=int,
        default=int(os.environ.get("STUB_LLM_CHUNK_DELAY_MS", "0")),
        help="sleep between streamed SSE chunks so clients observe several partial results (default 0)",
    )
    args = ap.parse_args(argv)

    n = len(load_cases(args.data_dir))  # fail fast on broken fixtures
    server = make_server(args.host, args.port, args.data_dir, args.chunk_delay_ms)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file.with_suffix(args.port_file.suffix + ".tmp")
        tmp.write_text(f"{port}\n")
        tmp.replace(args.port_file)
    log(
        f"serving {n} canned completions from {args.data_dir} on http://{args.host}:{port}"
    )
    print(f"LISTENING {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
