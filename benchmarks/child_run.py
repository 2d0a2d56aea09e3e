"""The benchmarks' child process: each measured case runs in a fresh Python (its own peak
memory, no cache shared with the cases before it) and prints its result as the last line
of its output, a JSON object."""
import json
import os
import subprocess
import sys


def run_child(script: str, case: str, repeats: int, threads: int, device: str) -> dict:
    """Run ``python SCRIPT --_child CASE --repeats R --threads T --device D`` with
    ``OMP_NUM_THREADS=T``; its last output line, parsed."""
    out = subprocess.run([
        sys.executable, script, '--_child', case, '--repeats',
        str(repeats), '--threads',
        str(threads), '--device', device
    ],
                         capture_output=True,
                         text=True,
                         check=True,
                         env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    return json.loads(out.stdout.strip().splitlines()[-1])
