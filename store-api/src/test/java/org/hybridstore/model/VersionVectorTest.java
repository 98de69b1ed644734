package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.hybridstore.NodeId;
import org.junit.jupiter.api.Test;

class VersionVectorTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");

  private static VersionVector vv(Map<NodeId, Long> counters) {
    return new VersionVector(new TreeMap<>(counters));
  }

  @Test
  void aheadOf_namesTheNodesWithHigherCounters() {
    VersionVector local = vv(Map.of(A, 3L, B, 1L, C, 2L));
    assertThat(local.aheadOf(vv(Map.of(A, 3L, B, 1L)))).containsExactly(C);
    assertThat(local.aheadOf(vv(Map.of(A, 1L, C, 5L)))).containsExactly(A, B);
    assertThat(local.aheadOf(VersionVector.EMPTY)).containsExactly(A, B, C);
    assertThat(local.aheadOf(local)).isEmpty();
    assertThat(VersionVector.EMPTY.aheadOf(local)).isEmpty();
  }

  @Test
  void aheadOf_isEmptyExactlyWhenTheOtherHasSeenEverything() {
    Random random = new Random(7);
    NodeId[] nodes = {A, B, C};
    for (int i = 0; i < 2_000; i++) {
      TreeMap<NodeId, Long> x = new TreeMap<>();
      TreeMap<NodeId, Long> y = new TreeMap<>();
      for (NodeId n : nodes) {
        int cx = random.nextInt(3);
        int cy = random.nextInt(3);
        if (cx > 0) {
          x.put(n, (long) cx);
        }
        if (cy > 0) {
          y.put(n, (long) cy);
        }
      }
      VersionVector vx = vv(x);
      VersionVector vy = vv(y);
      VersionVector.Order order = vx.compare(vy);
      assertThat(vx.aheadOf(vy).isEmpty())
          .as("%s ahead of %s", vx, vy)
          .isEqualTo(order == VersionVector.Order.BEFORE || order == VersionVector.Order.EQUAL);
      // every node named is one the merge takes from x
      for (NodeId n : vx.aheadOf(vy)) {
        assertThat(vx.merge(vy).counters().get(n)).isEqualTo(vx.counters().get(n));
      }
    }
  }
}
