package org.hybridstore.chaos.checker.model;

import org.jspecify.annotations.Nullable;

/**
 * A sequential specification: what a single correct copy of the object would do.
 *
 * <p>States are values: {@link #step} never mutates its argument, and two states that behave the
 * same must be equal under {@link #stateEquals}/{@link #stateHash} (by default {@code equals} and
 * {@code hashCode}), because the checker memoises (linearized set, state) pairs. States are never
 * null. Implementations must be stateless or immutable, hence threadsafe.
 *
 * <p>To add a model, for example an order-record model whose state is an order record and whose
 * calls are commands on it, implement {@link #init} and {@link #step}, return the order id from
 * {@link #partitionKey} so that each order is checked on its own, and return false from {@link
 * #canChangeState} for pure queries.
 *
 * @param <S> the state type
 */
public interface Model<S> {

  /**
   * Returns the model's name, as used on the command line.
   *
   * @return for example {@code "cas-register"}
   */
  String name();

  /**
   * Returns the initial state.
   *
   * @return a non-null state
   */
  S init();

  /**
   * Applies one call to a state.
   *
   * <p>For an {@link Call.Outcome#OK} call, return the next state if the call could have returned
   * its output in this state, else null. For an {@link Call.Outcome#UNKNOWN} call, return the state
   * after the call took effect (its output is unknown, so reads accept anything), or null if it
   * cannot take effect in this state; the checker itself covers the case where it never took
   * effect. For a {@link Call.Outcome#FAILED} call, return the state unchanged if the failure is
   * consistent with it, else null.
   *
   * @param state the current state, not modified
   * @param call the call
   * @return the next state, or null when the call is not allowed in this state
   * @throws IllegalArgumentException if the call's function or value shape is not supported
   */
  @Nullable S step(S state, Call call);

  /**
   * Returns the key of the independent object a call touches, for checking a history one key at a
   * time (P-compositionality). The checker splits only when every call has a non-null key.
   *
   * @param call the call
   * @return the key, or null when the model is not keyed or the call spans keys
   */
  default @Nullable Object partitionKey(Call call) {
    return null;
  }

  /**
   * Returns the model that checks one partition (the calls whose {@link #partitionKey} is {@code
   * key}). By default this model itself; a keyed model may return a smaller model whose state holds
   * only that key, which must accept exactly the same sequences of the partition's calls. Its
   * {@link #describe} should name the key, as counterexamples show its states.
   *
   * @param key a partition key returned by {@link #partitionKey}
   * @return the model for that partition
   */
  default Model<?> forPartition(Object key) {
    return this;
  }

  /**
   * Tells whether a call can change the state. A call that cannot (a read) returns either its state
   * or null from {@link #step}, and always its state when the outcome is unknown; the checker drops
   * such calls with unknown outcome, as they constrain nothing.
   *
   * @param call the call
   * @return false for pure queries
   */
  default boolean canChangeState(Call call) {
    return true;
  }

  /**
   * Compares two states.
   *
   * @param a a state
   * @param b another state
   * @return true when they behave the same
   */
  default boolean stateEquals(S a, S b) {
    return a.equals(b);
  }

  /**
   * Hashes a state consistently with {@link #stateEquals}.
   *
   * @param s a state
   * @return the hash
   */
  default int stateHash(S s) {
    return s.hashCode();
  }

  /**
   * Describes a state for counterexamples.
   *
   * @param s a state
   * @return readable text
   */
  default String describe(S s) {
    return String.valueOf(s);
  }
}
