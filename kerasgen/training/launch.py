"""`kerasgen train CONFIG --workers N`: a multi-worker cluster on one machine, for trying a
config under MultiWorkerMirroredStrategy before running it on several machines.

Starts N `kerasgen train` processes on 127.0.0.1 ports, each with the TF_CONFIG a cluster
manager would give it, and waits for them. Worker 0 (the chief) prints to this terminal; the
others' output goes to files shown on failure. When one worker fails, the others are stopped
and its error is shown.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

GRACE_SECONDS = 10  # how long a stopped worker gets between SIGTERM and SIGKILL


def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 now (the OS picks them)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_configs(ports):
    """The TF_CONFIG of each worker of a loopback cluster on `ports`."""
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            for i in range(len(ports))]


def launch(train_args, workers, log_dir=None, ports=None):
    """Run `kerasgen train *train_args --strategy multi_worker` as `workers` local workers.

    Returns the exit code: 0 when every worker finished, else the failed worker's code.
    """
    if workers < 1:
        raise ValueError(f"--workers: expected 1 or more; received {workers}.")
    log_dir = log_dir or tempfile.mkdtemp(prefix="kerasgen-workers-")
    ports = ports or free_ports(workers)
    command = [sys.executable, "-m", "kerasgen.cli", "train", *train_args,
               "--strategy", "multi_worker"]
    processes, logs = [], []
    try:
        for index, tf_config in enumerate(tf_configs(ports)):
            env = dict(os.environ, TF_CONFIG=tf_config)
            path = os.path.join(log_dir, f"worker-{index}.log")
            logs.append(path)
            with open(path, "w") as log:
                # The chief shows its progress here; every worker's stderr is also kept.
                stdout = None if index == 0 else log
                processes.append(subprocess.Popen(command, env=env, stdout=stdout,
                                                  stderr=log if index else None))
        others = f"; the other workers' output is in {log_dir}" if workers > 1 else ""
        print(f"Started {workers} workers on 127.0.0.1 ports {', '.join(map(str, ports))} "
              f"(worker 0, the chief, prints here{others}).", file=sys.stderr, flush=True)
        while True:
            codes = [p.poll() for p in processes]
            failed = [i for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                index = failed[0]
                _stop(processes)
                tail = _tail(logs[index]) if index else ""
                print(f"error: worker {index} of {workers} failed (exit code {codes[index]}); "
                      f"stopped the others." + (f" Its last lines:\n{tail}" if tail else ""),
                      file=sys.stderr)
                return codes[index]
            if all(c == 0 for c in codes):
                return 0
            time.sleep(0.2)
    except KeyboardInterrupt:
        _stop(processes)
        raise


def _stop(processes):
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""
