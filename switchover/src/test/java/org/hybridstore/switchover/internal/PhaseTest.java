package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hybridstore.switchover.internal.Phase.CLOSED;
import static org.hybridstore.switchover.internal.Phase.DEGRADED;
import static org.hybridstore.switchover.internal.Phase.STRONG;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhaseTest {
  /** The successors, written independently of Phase's predecessor table. */
  private static final Map<Phase, Set<Phase>> SUCCESSORS =
      Map.of(
          STRONG, EnumSet.of(DEGRADED, CLOSED),
          DEGRADED, EnumSet.of(STRONG, CLOSED),
          CLOSED, EnumSet.noneOf(Phase.class));

  @Test
  void canTransitionTo_agreesWithTheSuccessorTable_forEveryPair() {
    for (Phase from : Phase.values()) {
      for (Phase to : Phase.values()) {
        assertThat(from.canTransitionTo(to))
            .as(from + " -> " + to)
            .isEqualTo(SUCCESSORS.get(from).contains(to));
      }
    }
  }
}
