package org.hybridstore.switchover.internal;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hybridstore.ConsistencyMode;

/** The controller's states: the two public modes plus CLOSED. */
public enum Phase {
  /** etcd has quorum; writes are compare-and-swaps in etcd. */
  STRONG,
  /** etcd is unavailable; writes go to the local journal. */
  DEGRADED,
  /** The store is closed. */
  CLOSED;

  private static final Map<Phase, Set<Phase>> PREDECESSORS = new EnumMap<>(Phase.class);

  static {
    PREDECESSORS.put(STRONG, EnumSet.of(DEGRADED));
    PREDECESSORS.put(DEGRADED, EnumSet.of(STRONG));
    PREDECESSORS.put(CLOSED, EnumSet.of(STRONG, DEGRADED));
    PREDECESSORS.replaceAll((k, v) -> Collections.unmodifiableSet(v));
  }

  /**
   * Returns whether the table allows a transition from this phase to {@code next}.
   *
   * @param next the proposed phase
   * @return whether it is allowed
   */
  public boolean canTransitionTo(Phase next) {
    return Objects.requireNonNull(PREDECESSORS.get(next)).contains(this); // every phase has a row
  }

  /** Returns the public mode of this phase; a closed store reports the mode it would refuse in. */
  public ConsistencyMode mode() {
    return switch (this) {
      case STRONG -> ConsistencyMode.STRONG;
      case DEGRADED, CLOSED -> ConsistencyMode.DEGRADED;
    };
  }
}
