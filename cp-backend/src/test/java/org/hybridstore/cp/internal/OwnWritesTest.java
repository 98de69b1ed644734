package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.time.InstantSource;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.Test;

/** The records a backend sent, found again by the bytes the change feed brings back. */
class OwnWritesTest {
  private final HybridLogicalClock clock =
      new HybridLogicalClock(InstantSource.system(), Duration.ofMillis(500));

  private OrderRecord record(String order, String customer) {
    return OrderCommands.apply(
            null,
            OrderCommand.Create.of(OrderId.of(order), OpId.random(), customer, "EUR"),
            clock,
            NodeId.of("n1"))
        .record();
  }

  /** A copy of the encoding: the feed's bytes are never the object that was sent. */
  private static ByteString bytesOf(OrderRecord r) {
    return ByteString.copyFrom(RecordCodec.encode(r));
  }

  @Test
  void delivered_equalBytes_isTheSentRecord_onceOnly() {
    OwnWrites own = new OwnWrites(1 << 20);
    OrderRecord r = record("o-1", "c");
    own.sending("/p/o-1", bytesOf(r), r);

    assertThat(own.delivered("/p/o-2", bytesOf(r))).isNull();
    assertThat(own.delivered("/p/o-1", bytesOf(record("o-1", "someone-else")))).isNull();
    assertThat(own.delivered("/p/o-1", bytesOf(r))).isSameAs(r);
    assertThat(own.delivered("/p/o-1", bytesOf(r))).isNull();
    assertThat(own.size()).isZero();
  }

  @Test
  void delivered_takesOutTheValuesSentForTheKeyBeforeIt_notAfterIt() {
    OwnWrites own = new OwnWrites(1 << 20);
    OrderRecord first = record("o-1", "a");
    OrderRecord second = record("o-1", "b");
    OrderRecord third = record("o-1", "c");
    OrderRecord elsewhere = record("o-2", "a");
    own.sending("/p/o-1", bytesOf(first), first);
    own.sending("/p/o-2", bytesOf(elsewhere), elsewhere);
    own.sending("/p/o-1", bytesOf(second), second);
    own.sending("/p/o-1", bytesOf(third), third);

    assertThat(own.delivered("/p/o-1", bytesOf(second))).isSameAs(second);
    assertThat(own.size()).isEqualTo(2);
    assertThat(own.delivered("/p/o-1", bytesOf(first))).isNull();
    assertThat(own.delivered("/p/o-1", bytesOf(third))).isSameAs(third);
    assertThat(own.delivered("/p/o-2", bytesOf(elsewhere))).isSameAs(elsewhere);
    assertThat(own.size()).isZero();
  }

  @Test
  void notCommitted_forgetsTheValue() {
    OwnWrites own = new OwnWrites(1 << 20);
    OrderRecord r = record("o-1", "c");
    ByteString sent = bytesOf(r);
    own.sending("/p/o-1", sent, r);

    own.notCommitted("/p/o-1", sent);

    assertThat(own.size()).isZero();
    assertThat(own.delivered("/p/o-1", bytesOf(r))).isNull();
  }

  @Test
  void sending_beyondTheByteBound_dropsTheOldestFirst() {
    OrderRecord r1 = record("o-1", "a");
    OrderRecord r2 = record("o-2", "b");
    OrderRecord r3 = record("o-3", "c");
    int size = bytesOf(r1).size();
    OwnWrites own = new OwnWrites(2L * size + size / 2);
    own.sending("/p/o-1", bytesOf(r1), r1);
    own.sending("/p/o-2", bytesOf(r2), r2);
    own.sending("/p/o-3", bytesOf(r3), r3);

    assertThat(own.size()).isEqualTo(2);
    assertThat(own.delivered("/p/o-1", bytesOf(r1))).isNull();
    assertThat(own.delivered("/p/o-2", bytesOf(r2))).isSameAs(r2);
    assertThat(own.delivered("/p/o-3", bytesOf(r3))).isSameAs(r3);
  }
}
