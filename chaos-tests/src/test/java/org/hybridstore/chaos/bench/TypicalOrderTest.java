package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import org.hybridstore.NodeId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderStatus;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.Test;

class TypicalOrderTest {
  private static OrderRecord apply(OrderRecord r, OrderCommand c, HybridLogicalClock clock) {
    return OrderCommands.apply(r, c, clock, NodeId.of("node-1")).record();
  }

  @Test
  void history_fillsTheOpIdRetention_withThreeLinesAndTwoAttributes() {
    // Given a clock
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    OrderId id = OrderId.of("order-000001");

    // When the whole history is applied
    OrderRecord r = null;
    for (OrderCommand c : TypicalOrder.history(id)) {
      r = apply(r, c, clock);
    }

    // Then the op-id history is full and the order has the typical shape
    assertThat(TypicalOrder.history(id)).hasSize(OrderLimits.OP_ID_RETENTION);
    assertThat(r.appliedOps().entries()).hasSize(OrderLimits.OP_ID_RETENTION);
    assertThat(r.toOrder().lines()).hasSize(3);
    assertThat(r.toOrder().attributes()).hasSize(2);
    assertThat(r.toOrder().status()).isEqualTo(OrderStatus.PAID);
  }

  @Test
  void recordBytes_isTheSteadyStateSize() {
    // Given a typical order
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    OrderId id = OrderId.of("order-000001");
    OrderRecord r = null;
    for (OrderCommand c : TypicalOrder.history(id)) {
      r = apply(r, c, clock);
    }
    int full = RecordCodec.encode(r).length;

    // When it takes as many updates again
    for (int n = 0; n < OrderLimits.OP_ID_RETENTION; n++) {
      r = apply(r, TypicalOrder.update(id, 1_000 + n), clock);
    }

    // Then its size stays (stamps may differ in a digit or so) and matches recordBytes()
    assertThat(RecordCodec.encode(r).length).isBetween(full - 16, full + 16);
    assertThat(TypicalOrder.recordBytes()).isBetween(full - 16, full + 16);
  }

  @Test
  void note_isTheCounterInTenDigits_ofFixedLength() {
    assertThat(TypicalOrder.note(0)).isEqualTo("gift-wrap-call-ahead-0000000000");
    assertThat(TypicalOrder.note(42)).isEqualTo("gift-wrap-call-ahead-0000000042");
    assertThat(TypicalOrder.note(12_345_678_901L)).isEqualTo("gift-wrap-call-ahead-2345678901");
    assertThat(TypicalOrder.note(9_999_999_999L)).hasSameSizeAs(TypicalOrder.note(7));
  }
}
