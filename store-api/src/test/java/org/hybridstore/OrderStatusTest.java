package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hybridstore.OrderStatus.CANCELLED;
import static org.hybridstore.OrderStatus.CREATED;
import static org.hybridstore.OrderStatus.DELIVERED;
import static org.hybridstore.OrderStatus.FULFILLING;
import static org.hybridstore.OrderStatus.PAID;
import static org.hybridstore.OrderStatus.REFUNDED;
import static org.hybridstore.OrderStatus.SHIPPED;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderStatusTest {
  /**
   * The graph as docs/consistency-model.md draws it, written out again independently of the enum.
   */
  private static final Map<OrderStatus, Set<OrderStatus>> EDGES =
      Map.of(
          CREATED, EnumSet.of(PAID, CANCELLED),
          PAID, EnumSet.of(FULFILLING, CANCELLED, REFUNDED),
          FULFILLING, EnumSet.of(SHIPPED, CANCELLED),
          SHIPPED, EnumSet.of(DELIVERED),
          DELIVERED, EnumSet.of(REFUNDED),
          CANCELLED, EnumSet.of(REFUNDED),
          REFUNDED, EnumSet.noneOf(OrderStatus.class));

  @Test
  void canTransitionTo_agreesWithTheDocumentedGraph_forEveryPair() {
    for (OrderStatus from : OrderStatus.values()) {
      for (OrderStatus to : OrderStatus.values()) {
        assertThat(from.canTransitionTo(to))
            .as(from + " -> " + to)
            .isEqualTo(EDGES.get(from).contains(to));
      }
    }
  }

  @Test
  void isAfter_isTheTransitiveClosure() {
    assertThat(DELIVERED.isAfter(CREATED)).isTrue();
    assertThat(REFUNDED.isAfter(SHIPPED)).isTrue();
    assertThat(CANCELLED.isAfter(FULFILLING)).isTrue();
    assertThat(CREATED.isAfter(CREATED)).isFalse();
    assertThat(PAID.isAfter(SHIPPED)).isFalse();
  }

  @Test
  void isConcurrentWith_separatesBranches() {
    assertThat(SHIPPED.isConcurrentWith(CANCELLED)).isTrue();
    assertThat(DELIVERED.isConcurrentWith(CANCELLED)).isTrue();
    assertThat(PAID.isConcurrentWith(CANCELLED)).isFalse();
    assertThat(REFUNDED.isConcurrentWith(DELIVERED)).isFalse();
  }

  @Test
  void declarationOrder_extendsTheGraph() {
    EDGES.forEach(
        (from, tos) -> tos.forEach(to -> assertThat(to.ordinal()).isGreaterThan(from.ordinal())));
  }
}
