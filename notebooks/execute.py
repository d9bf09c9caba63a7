#!/usr/bin/python3
"""Execute Jupyter notebooks headless, one at a time, and check their outputs.

    /usr/bin/python3 execute.py [--out-dir DIR] [--cell-timeout S] [--cwd DIR]
                                [--kernel NAME] [--fail-fast] NOTEBOOK...

Each notebook runs in a fresh kernel (the one named in its metadata, or
--kernel) whose working directory is --cwd (default: the notebook's folder).
The executed copy is written to --out-dir (default: .executed/ beside the
notebook), also when a cell fails, so the outputs can be inspected.

A notebook fails when a cell raises an error (a Go panic or compile error in
gophernotes), when a cell runs longer than --cell-timeout seconds, when the
kernel dies, or when a code cell tagged "image" (cell metadata tags) produced
no valid image/png output. The failing notebook, cell and error are printed.
The exit status is 0 when every notebook passed, 1 otherwise, and 124 when the
run was stopped by SIGTERM/SIGINT (e.g. by `timeout`).

Needs Debian's python3-nbclient (nbclient 0.7, jupyter_client 7): run it with
/usr/bin/python3, which sees the apt-installed modules.
"""

import argparse
import asyncio
import base64
import os
import re
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_TAG = "image"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def first_line(cell):
    for line in cell.source.splitlines():
        if line.strip():
            return line.strip()[:100]
    return "(empty)"


def png_outputs(cell):
    """Return (valid, invalid) counts of image/png outputs of a code cell."""
    valid = invalid = 0
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" not in data:
            continue
        payload = data["image/png"]
        if isinstance(payload, list):
            payload = "".join(payload)
        try:
            ok = base64.b64decode(payload).startswith(PNG_SIGNATURE)
        except (ValueError, TypeError):
            ok = False
        if ok:
            valid += 1
        else:
            invalid += 1
    return valid, invalid


def error_text(cell):
    """The error outputs of a cell, as plain text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            head = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            tb = "\n".join(ANSI.sub("", line) for line in out.get("traceback", [])).strip()
            # gophernotes' traceback repeats the value; keep it only if it adds something
            parts.append(head if tb in ("", out.get("evalue", "").strip()) else f"{head}\n{tb}")
    return "\n".join(parts)


class Runner:
    def __init__(self, args):
        self.args = args
        self.client = None  # the NotebookClient of the notebook being run
        self.stopped = None  # name of the signal that stopped the run

    def on_signal(self, signum, _frame=None):
        """SIGTERM (from `timeout`) or SIGINT: kill the running kernel, which
        makes its notebook fail at once, and run no further notebook."""
        self.stopped = signal.Signals(signum).name
        self.kill_kernel()

    def install_signal_handlers(self):
        # While a notebook runs, nbclient puts its own SIGTERM/SIGINT handlers
        # on the asyncio loop (they shut the kernel down, but the run would go
        # on with the next notebook) and resets them to the defaults when the
        # notebook ends. So ours are set again before every notebook and every
        # cell, on the loop while it runs.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for sig in (signal.SIGTERM, signal.SIGINT):
            if loop is not None:
                loop.add_signal_handler(sig, self.on_signal, sig)
            else:
                signal.signal(sig, self.on_signal)

    def kill_kernel(self):
        """Kill the running kernel and everything it started (go build ...)."""
        km = self.client.km if self.client is not None else None
        if km is None:
            return
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is None or proc.poll() is not None:
            return
        try:  # jupyter_client starts the kernel in its own session: kill the group
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()

    def run(self, path):
        """Execute one notebook; return (ok, seconds, number of PNG outputs)."""
        a = self.args
        name = os.path.basename(path)
        nb = nbformat.read(path, as_version=4)
        kernel = a.kernel or nb.metadata.get("kernelspec", {}).get("name") or "gophernotes"
        cwd = os.path.abspath(a.cwd or os.path.dirname(os.path.abspath(path)))
        out_dir = a.out_dir or os.path.join(os.path.dirname(os.path.abspath(path)), ".executed")
        os.makedirs(out_dir, exist_ok=True)
        out_path = os.path.join(out_dir, name)

        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout=a.cell_timeout,
            startup_timeout=a.startup_timeout,
            resources={"metadata": {"path": cwd}},
        )
        self.client = client
        current = {"index": None}
        execute_cell = client.async_execute_cell

        async def timed_execute_cell(cell, cell_index, *args, **kwargs):
            if self.stopped:
                raise RuntimeError(f"stopped by {self.stopped}")
            self.install_signal_handlers()
            current["index"] = cell_index
            t = time.time()
            try:
                return await execute_cell(cell, cell_index, *args, **kwargs)
            finally:
                if cell.cell_type == "code":
                    log(f"  {name} cell {cell_index + 1}: {time.time() - t:5.1f}s  {first_line(cell)}")

        client.async_execute_cell = timed_execute_cell

        start_kernel = client.async_start_new_kernel

        async def guarded_start_kernel(**kwargs):
            self.install_signal_handlers()  # nbclient has just set its own
            return await start_kernel(**kwargs)

        client.async_start_new_kernel = guarded_start_kernel

        log(f"== {name} (kernel {kernel}, cwd {cwd})")
        self.install_signal_handlers()
        t0 = time.time()
        failure = None
        try:
            client.execute()
        except CellExecutionError:
            failure = "a cell raised an error"
        except CellTimeoutError:
            failure = f"a cell ran longer than --cell-timeout={a.cell_timeout}s"
        except DeadKernelError as e:
            failure = f"the kernel died: {e}"
        except Exception as e:  # kernel failed to start, ...
            failure = f"{type(e).__name__}: {e}"
        finally:
            seconds = time.time() - t0
            nbformat.write(nb, out_path)
            self.client = None

        if self.stopped:
            failure = f"stopped by {self.stopped} (overall timeout?); the kernel was killed"
        images = 0
        if failure is None:
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                valid, invalid = png_outputs(cell)
                images += valid
                if invalid:
                    failure = f"cell {i + 1} has {invalid} image/png output(s) that are not PNG data"
                    current["index"] = i
                    break
                if IMAGE_TAG in cell.metadata.get("tags", []) and valid == 0:
                    failure = f'cell {i + 1} is tagged "{IMAGE_TAG}" but produced no image/png output'
                    current["index"] = i
                    break

        if failure is None:
            log(f"OK {name}: {seconds:.1f}s, {images} image/png output(s) -> {out_path}")
            return True, seconds, images

        log(f"FAILED {name}: {failure}")
        i = current["index"]
        if i is not None and i < len(nb.cells):
            cell = nb.cells[i]
            log(f"  failing cell: {i + 1} of {len(nb.cells)}, first line: {first_line(cell)}")
            err = error_text(cell)
            if err:
                log("  error:\n" + "\n".join("    " + line for line in err[-4000:].splitlines()))
        log(f"  executed copy: {out_path}")
        return False, seconds, images


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="+", help=".ipynb files, run in the order given")
    ap.add_argument("--out-dir", help="where the executed copies go (default: .executed/ beside each notebook)")
    ap.add_argument("--cwd", help="kernel working directory (default: the notebook's folder)")
    ap.add_argument("--kernel", help="kernel name (default: from the notebook's metadata, else gophernotes)")
    ap.add_argument("--cell-timeout", type=int, default=600, help="seconds per cell (default 600)")
    ap.add_argument("--startup-timeout", type=int, default=120, help="seconds for the kernel to start (default 120)")
    ap.add_argument("--fail-fast", action="store_true", help="stop at the first failing notebook")
    args = ap.parse_args()

    runner = Runner(args)

    runner.install_signal_handlers()
    results = []
    for path in args.notebooks:
        if runner.stopped:
            break
        ok, seconds, images = runner.run(path)
        results.append((os.path.basename(path), ok, seconds, images))
        if not ok and args.fail_fast:
            break

    log("== summary")
    for name, ok, seconds, images in results:
        log(f"  {'ok    ' if ok else 'FAILED'} {seconds:6.1f}s  {images:2d} png  {name}")
    failed = sum(1 for r in results if not r[1])
    skipped = len(args.notebooks) - len(results)
    log(f"notebooks: {len(results) - failed} passed, {failed} failed" + (f", {skipped} not run" if skipped else ""))
    if runner.stopped:
        log(f"STOPPED by {runner.stopped}")
        return 124
    return 1 if failed or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
