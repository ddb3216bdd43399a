"""The processes of tests/test_multi_worker.py.

`python multi_worker_run.py reference ROOT`: one process, two replicas on two logical CPUs
(MirroredStrategy). `python multi_worker_run.py worker ROOT` with TF_CONFIG set: one worker of a
MultiWorkerMirroredStrategy cluster, one replica. Both train ROOT/vae.yaml, ROOT/gan.yaml and
ROOT/folder.yaml (ROOT/folder_reference.yaml for the reference) with the same global batch and
seeds, into ROOT/<mode>_<name> (on a cluster, only the chief writes there).
"""

import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

mode, root = sys.argv[1], sys.argv[2]
if mode == "reference":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from kerasgen import config as config_lib  # noqa: E402
from kerasgen.training import distribute  # noqa: E402
from kerasgen.training.train import train  # noqa: E402

out = {"tempdir": tempfile.gettempdir()}
for name in ("vae", "gan", "folder"):
    # A run may give the reference its own config (the same images in another folder).
    path = os.path.join(root, f"{name}_{mode}.yaml")
    config = config_lib.load(path if os.path.exists(path) else os.path.join(root, f"{name}.yaml"), [
        f"train.strategy={'mirrored' if mode == 'reference' else 'multi_worker'}",
        f"train.output_dir={os.path.join(root, f'{mode}_{name}')}"])
    model, history = train(config, verbose=0)
    out[name] = {"replicas": model.distribute_strategy.num_replicas_in_sync,
                 "shard": distribute.input_shard(model.distribute_strategy),
                 "history": {k: [float(x) for x in v] for k, v in history.history.items()}}
print("RESULT " + json.dumps(out))
