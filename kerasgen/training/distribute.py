"""tf.distribute for kerasgen: the strategy a config names (one device, mirrored, a
multi-worker cluster from TF_CONFIG or SLURM), per-replica input, and who writes the run's
files. The helpers that keep `train_step`s correct per replica are `kerasgen.models.replicas`
(imported here too, where they were before).
"""

import json
import os
import shutil
import socket
import time

import tensorflow as tf

# The per-replica loss and seed helpers train steps use live with the models.
from kerasgen.models.replicas import global_mean  # noqa: F401
from kerasgen.models.replicas import num_replicas  # noqa: F401
from kerasgen.models.replicas import replica_id  # noqa: F401
from kerasgen.models.replicas import replica_seed  # noqa: F401


# -- strategies and clusters ------------------------------------------------------------------

class ClusterError(RuntimeError):
    """A multi-worker cluster that cannot start: no cluster described, or workers that do not
    answer within train.cluster_timeout_seconds."""


# One strategy of each kind per process, reused by every `train` call: a second
# MirroredStrategy collides with the first's collective ops ("Shape mismatch in the collective
# instance"), and TensorFlow sets up multi-worker collectives once per process.
_STRATEGIES = {}


def make_strategy(train_config):
    """The tf.distribute strategy a TrainConfig names (train.strategy, train.cluster,
    train.cluster_timeout_seconds). Create it before any other TensorFlow op runs: a
    multi-worker strategy configures the process's collective ops at start-up."""
    name = train_config.strategy
    if name not in ("mirrored", "multi_worker"):
        return tf.distribute.get_strategy()  # the default: one device, no replicas
    if name in _STRATEGIES:
        return _STRATEGIES[name]
    if name == "mirrored":
        return _STRATEGIES.setdefault(name, tf.distribute.MirroredStrategy())
    resolver = cluster_resolver(train_config.cluster)
    spec = resolver.cluster_spec()
    addresses = [a for job in spec.as_dict().values() for a in job]
    own = spec.task_address(resolver.task_type, resolver.task_id)
    timeout = int(train_config.cluster_timeout_seconds)

    def unreachable():
        silent = [a for a in addresses if a != own and not _answers(a)]
        return (f"train.strategy multi_worker: the cluster did not come up within {timeout} s "
                "(train.cluster_timeout_seconds); "
                + (f"nothing answers at {', '.join(silent)}" if silent else
                   f"every address answers ({', '.join(addresses)}) but not every worker "
                   "joined")
                + f". This worker is {resolver.task_type} {resolver.task_id}; expected all "
                f"{len(addresses)} workers started with the same cluster.")

    _bound_cluster_start(spec, timeout)
    leader = ("chief" if "chief" in spec.jobs else "worker", 0)
    if (resolver.task_type, resolver.task_id) == leader:
        # The leader waits for the others inside TensorFlow's C++ start-up, which no timeout
        # reaches and which holds the interpreter (no watchdog thread runs, signals wait). So
        # it first waits here, boundedly, until every other worker's server answers (each
        # starts its server before registering with the leader, and gives up on its own
        # after the timeout when the leader never answers).
        deadline = time.monotonic() + timeout
        while not all(_answers(a, timeout=1.0) for a in addresses if a != own):
            if time.monotonic() > deadline:
                raise ClusterError(unreachable())
            time.sleep(0.5)
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    except (RuntimeError, tf.errors.OpError) as e:
        if not isinstance(e, tf.errors.DeadlineExceededError) and \
                "timeout" not in str(e).lower() and "timed out" not in str(e).lower():
            raise
        raise ClusterError(unreachable()) from None
    return _STRATEGIES.setdefault(name, strategy)


def _bound_cluster_start(cluster_spec, timeout_seconds):
    """Make a worker that cannot reach the leader give up after `timeout_seconds`.

    TensorFlow has no public knob for this: MultiWorkerMirroredStrategy configures its
    coordination service itself (each task registers with the leader, retrying for up to an
    hour) unless one is configured already. So the same service is configured here first,
    with the registration timeout bounded (TensorFlow's private context API, as the strategy
    itself uses it).
    """
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.distribute import multi_worker_util
    from tensorflow.python.eager import context

    if context.context().coordination_service is None:
        jobs = [coordination_config_pb2.CoordinatedJob(name=job,
                                                       num_tasks=cluster_spec.num_tasks(job))
                for job in ("chief", "worker") if job in cluster_spec.jobs]
        context.context().configure_coordination_service(
            service_type="standalone",
            service_leader=multi_worker_util.coordination_leader(cluster_spec),
            coordinated_jobs=jobs, cluster_register_timeout_in_ms=timeout_seconds * 1000)


def cluster_resolver(kind):
    """The cluster of this job: TF_CONFIG ("tf_config") or the SLURM job ("slurm")."""
    if kind == "slurm":
        if "SLURM_JOB_ID" not in os.environ:
            raise ClusterError("train.cluster slurm: SLURM_JOB_ID is not set; expected to run "
                               "inside a SLURM job (srun), one task per worker.")
        if shutil.which("nvidia-smi") or "CUDA_VISIBLE_DEVICES" in os.environ:
            return tf.distribute.cluster_resolver.SlurmClusterResolver()
        # TF's resolver places one task per GPU, counted with `nvidia-smi`: on a CPU-only
        # node that call fails (FileNotFoundError), and with 0 GPUs it places no task at
        # all. There, give every task one notional device and leave CUDA_VISIBLE_DEVICES
        # alone, so each task gets its host:port as on a GPU node.
        try:
            tasks = int(os.environ["SLURM_STEP_NUM_TASKS"])
        except (KeyError, ValueError):
            raise ClusterError("train.cluster slurm: SLURM_STEP_NUM_TASKS is "
                               f"{os.environ.get('SLURM_STEP_NUM_TASKS')!r}; expected the "
                               "number of tasks of the job step (run under srun).") from None
        return tf.distribute.cluster_resolver.SlurmClusterResolver(
            gpus_per_node=tasks, gpus_per_task=1, auto_set_gpu=False)
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ClusterError(
            "train.strategy multi_worker: TF_CONFIG is not set; expected the cluster as JSON, "
            'e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": '
            '"worker", "index": 0}}, or `kerasgen train CONFIG --workers N` to try it on one '
            "machine, or train.cluster: slurm.")
    try:
        parsed = json.loads(raw)
        workers = parsed["cluster"]["worker"] + parsed["cluster"].get("chief", [])
        parsed["task"]["type"], int(parsed["task"]["index"])  # present and well-formed
    except (ValueError, KeyError, TypeError) as e:
        raise ClusterError(f"TF_CONFIG: {e!r} in {raw!r}; expected "
                           '{"cluster": {"worker": [...]}, "task": {"type": ..., "index": i}}.'
                           ) from None
    if not workers:
        raise ClusterError(f"TF_CONFIG lists no workers: {raw!r}.")
    return tf.distribute.cluster_resolver.TFConfigClusterResolver()


def _answers(address, timeout=2.0):
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def writes_outputs(strategy):
    """Whether this process writes the run's files: True except on a multi-worker cluster's
    non-chief workers (TF's rule: the chief, or worker 0 when there is no chief)."""
    return bool(strategy.extended.should_checkpoint)


def input_shard(strategy):
    """(num_workers, this worker's index) when `strategy` spans several worker processes
    (each then reads its own part of the data), else None.

    The index is the one TensorFlow gives this worker's input pipeline (its InputContext's
    input_pipeline_id): the chief is 0 and workers follow in task order. It is computed from
    the cluster here because the data must be read before `fit` asks for the pipelines;
    `per_replica_input` checks that the two agree.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return None
    jobs = resolver.cluster_spec().as_dict()
    chiefs, workers = len(jobs.get("chief", [])), len(jobs.get("worker", []))
    if chiefs + workers < 2:
        return None
    task_type, task_id = resolver.task_type, int(resolver.task_id)
    return chiefs + workers, (task_id if task_type == "chief" else chiefs + task_id)


def per_replica_input(strategy, dataset, shard=None):
    """`dataset` (batches of the per-replica size, repeated) for `fit` under `strategy`.

    Unsharded (`shard` None), every worker builds the same stream (same data, same shuffle
    seed) and takes every num_input_pipelines-th batch from its own offset, so one global
    step consumes consecutive batches of that one stream: the global batch is what one machine
    would have drawn, whatever the number of workers, and a MirroredStrategy on one machine
    (one input pipeline, batches dealt to its replicas in turn) gives each replica the same
    batches. With `shard` (from `input_shard`), `dataset` already holds only this worker's
    part of the data and is used whole.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF

    def dataset_fn(context):
        ds = dataset
        if shard is not None:
            if shard != (context.num_input_pipelines, context.input_pipeline_id):
                raise RuntimeError(
                    f"This worker read data shard {shard[1]} of {shard[0]}, but TensorFlow "
                    f"gives it input pipeline {context.input_pipeline_id} of "
                    f"{context.num_input_pipelines}; expected them to agree.")
        elif context.num_input_pipelines > 1:
            ds = ds.shard(context.num_input_pipelines, context.input_pipeline_id)
        return ds.with_options(options)

    return strategy.distribute_datasets_from_function(dataset_fn)


def vector_logs(step):
    """Wrap a train/test step so scalar logs come out with shape (1,).

    Keras 3.15's `fit` under MultiWorkerMirroredStrategy reduces each log with
    `strategy.reduce(MEAN, value, axis=0)`, which fails on scalars ("Invalid reduction
    dimension 0 for input with 0 dimensions", keras-team/keras#20585); a (1,) value reduces
    to the mean over every replica of every worker, a scalar again.
    """

    def wrapped(data):
        logs = step(data)
        return tf.nest.map_structure(
            lambda t: tf.reshape(t, [1]) if tf.is_tensor(t) and t.shape.rank == 0 else t, logs)

    return wrapped
