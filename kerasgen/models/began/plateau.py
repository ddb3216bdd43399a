"""Learning rates halved when the convergence measure stalls (Berthelot et al. 2017, Sec. 4:
"decayed by a factor of 2 when the measure of convergence stalls"), with the controller's
state kept in model variables so `.keras` files and backups carry it."""

import math
import warnings

import keras
import numpy as np

# The best epoch mean starts at the largest float32, not infinity: backups refuse to write
# variables holding non-finite values.
NOT_YET = float(np.finfo(np.float32).max)


def learning_rate_variables(model, purpose):
    """{optimizer name: its learning-rate variable} for every optimizer `model` trains with
    (a LossScaleOptimizer's inner one). A schedule has no rate to halve: ValueError."""
    rates = {}
    for name, optimizer in model.optimizers_by_name().items():
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = optimizer.inner_optimizer
        variable = optimizer._learning_rate  # Keras keeps a constant rate in this variable
        if not isinstance(variable, keras.Variable):
            raise ValueError(
                f"{purpose} needs constant learning rates to halve; {name} has "
                f"{type(variable).__name__} (a schedule). Give train.{name}.learning_rate a "
                "number, or set model.args.lr_patience: null to train on the schedule alone.")
        rates[name] = variable
    return rates


class PlateauState(keras.layers.Layer):
    """The plateau controller's variables: the best epoch mean so far (`best`), epochs since
    it improved (`wait`), the halvings made (`halvings`) and the rates last set (`rates`, one
    per optimizer, in `optimizers_by_name` order)."""

    def __init__(self, num_optimizers=2, **kwargs):
        super().__init__(**kwargs)
        scalar = dict(shape=(), trainable=False, dtype="float32")
        self.best = self.add_weight(initializer=keras.initializers.Constant(NOT_YET),
                                    name="best", **scalar)
        self.wait = self.add_weight(initializer="zeros", name="wait", **scalar)
        self.halvings = self.add_weight(initializer="zeros", name="halvings", **scalar)
        self.rates = self.add_weight(shape=(int(num_optimizers),), initializer="zeros",
                                     trainable=False, dtype="float32", name="rates")
        self.built = True


class HalveLearningRateOnPlateau(keras.callbacks.Callback):
    """Multiply every optimizer's learning rate by `factor` when the epoch mean of `monitor`
    has not fallen below its best for `patience` epochs; logs `<player>_learning_rate`.

    Keras' ReduceLROnPlateau changes `model.optimizer` only and keeps its state in the
    callback; a two-player model has two optimizers, and a resumed run must continue the
    count. Here the state is the model's (`PlateauState`), saved with it. A run that starts
    with rates other than the ones last set (a backup restored with the config's rates, a
    preset compiled afresh) gets the halvings made so far applied to them at its first epoch,
    with a warning that says so.

    Args:
        state: the model's `PlateauState`.
        patience: epochs without a new best before a halving (the count restarts after it).
        factor: multiplier of the rates, in (0, 1); 0.5 halves them.
        monitor: the log whose epoch mean is watched (lower is better).
    """

    def __init__(self, state, patience, factor=0.5, monitor="m_global"):
        super().__init__()
        self.state = state
        self.patience = int(patience)
        self.factor = float(factor)
        self.monitor = monitor
        self._pending = True

    def _rates(self):
        return learning_rate_variables(self.model, "Halving the learning rates on a plateau")

    def on_train_begin(self, logs=None):
        self._rates()  # refuse a schedule before the first step, not after the first epoch
        self._pending = True

    def on_epoch_begin(self, epoch, logs=None):
        # Not at train begin: a backup is restored then, possibly by a callback after this one.
        if self._pending:
            self._pending = False
            self.reapply()

    def reapply(self):
        """Apply the halvings made so far to rates that are not the ones last set."""
        halvings = int(round(float(self.state.halvings.numpy())))
        last = self.state.rates.numpy().copy()
        changed = []
        for i, (name, variable) in enumerate(self._rates().items()):
            rate = float(variable.numpy())
            if halvings and not math.isclose(rate, float(last[i]), rel_tol=1e-6):
                variable.assign(rate * self.factor ** halvings)
                changed.append(f"{name} {rate:g} -> {float(variable.numpy()):g}")
            last[i] = float(variable.numpy())
        self.state.rates.assign(last)
        if changed:
            warnings.warn(f"The model's learning rates were multiplied by {self.factor:g} "
                          f"{halvings} time(s) when {self.monitor} stalled; applied to the "
                          f"rates this run started with: {', '.join(changed)}.", stacklevel=2)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.monitor not in logs:
            raise KeyError(f"HalveLearningRateOnPlateau watches {self.monitor!r}, which the "
                           f"epoch's logs lack; they hold {sorted(logs)}.")
        value = float(np.float32(logs[self.monitor]))  # as `best` holds it: ties are ties
        rates = self._rates()
        if math.isfinite(value):  # a non-finite epoch is the divergence guard's to report
            if value < float(self.state.best.numpy()):
                self.state.best.assign(value)
                self.state.wait.assign(0.0)
            else:
                self.state.wait.assign_add(1.0)
            if float(self.state.wait.numpy()) >= self.patience:
                for variable in rates.values():
                    variable.assign(float(variable.numpy()) * self.factor)
                self.state.halvings.assign_add(1.0)
                self.state.wait.assign(0.0)
                self.state.rates.assign([float(v.numpy()) for v in rates.values()])
        for name, variable in rates.items():
            logs[name.replace("optimizer", "learning_rate")] = float(variable.numpy())
