"""Running a method's model inputs under `tf.distribute`: each chunk of the virtual
batch split over a strategy's local replicas with `strategy.run`, the results put
back in order. Only this worker's replicas take part and no collective op runs."""

import tensorflow as tf


def resolve_strategy(strategy):
    """The strategy whose local replicas share the model inputs, or None.

    Args:
      strategy: a `tf.distribute.Strategy`, or None for the strategy of the
        enclosing `strategy.scope()` (none outside a scope).

    Returns:
      `strategy` when it has more than one replica on this worker and the caller
      is in cross-replica context; else None: run on one device, as without a
      strategy (a single replica, the default strategy, a strategy that cannot
      run replicas here such as `ParameterServerStrategy`, or a call made from
      inside `strategy.run`).

    Raises:
      TypeError: `strategy` is neither None nor a `tf.distribute.Strategy`.
    """
    if strategy is None:
        if not tf.distribute.has_strategy():
            return None
        strategy = tf.distribute.get_strategy()
    elif not isinstance(strategy, tf.distribute.Strategy):
        raise TypeError(
            f"strategy: expected a tf.distribute.Strategy or None, got {type(strategy).__name__}"
        )
    if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
        return None  # Inside strategy.run: this replica computes alone.
    if isinstance(strategy, tf.distribute.experimental.ParameterServerStrategy):
        return None  # Its replicas run through a ClusterCoordinator, not here.
    return strategy if local_replicas(strategy) > 1 else None


def local_replicas(strategy):
    """How many replicas `strategy` runs on this worker (1 if it cannot say)."""
    if strategy is None:
        return 1
    try:
        return max(1, len(strategy.extended.worker_devices))
    except (AttributeError, NotImplementedError, RuntimeError, ValueError):
        return 1


def _replica_slice(tensor, replica, replicas):
    """This replica's rows of `tensor`: slice `replica` of `replicas` equal ones."""
    shape = tensor.shape.as_list()
    return tf.gather(tf.reshape(tensor, [replicas, shape[0] // replicas] + shape[1:]), replica)


def replicated(strategy, body, sliced, combine):
    """`body` spread over the local replicas of `strategy`, as one traced function.

    The returned function takes `body`'s arguments. Those at the positions in
    `sliced` (whose first dimension divides by the number of local replicas) are
    split into equal consecutive slices, one per replica; the others go to every
    replica as they are. Each replica runs `body` on its slice with
    `strategy.run`, and the local results are concatenated in replica order
    (`combine="concat"`, the rows in their order) or added (`"sum"`). No
    collective op runs: only this worker's replicas take part.
    """
    replicas = local_replicas(strategy)

    def on_replica(*args):
        # Global replica ids are worker * replicas + local id (MirroredStrategy:
        # worker 0); the local id picks the slice.
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group % replicas
        return body(
            *(
                _replica_slice(arg, replica, replicas) if j in sliced else arg
                for j, arg in enumerate(args)
            )
        )

    @tf.function
    def run(*args):
        outputs = strategy.experimental_local_results(strategy.run(on_replica, args=args))
        return tf.add_n(list(outputs)) if combine == "sum" else tf.concat(outputs, axis=0)

    return run
