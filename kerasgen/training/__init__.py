"""Training glue: `train` (config -> fitted model), callbacks and backups, tf.distribute
strategies, the local multi-worker launcher and weight averaging of finished runs."""
