package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.Test;

class EtcdHistoryTest {

  private static final String PREFIX = "/orders/";
  private static final Duration BOUND = Duration.ofSeconds(10);

  /** One stream event. */
  private record Version(String order, long revision, byte[] value) {}

  /** The encoded versions of one order, each with one more command applied. */
  private static List<byte[]> versionsOf(String order, int count) {
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    OrderId id = OrderId.of(order);
    List<OrderCommand> commands =
        List.of(
            new OrderCommand.Create(
                id, OpId.random(), "customer-1", "EUR", List.of(), new TreeMap<>()),
            new OrderCommand.SetAttribute(id, OpId.random(), "note", "one"),
            new OrderCommand.Transition(id, OpId.random(), OrderStatus.PAID));
    List<byte[]> out = new ArrayList<>();
    OrderRecord r = null;
    for (OrderCommand c : commands.subList(0, count)) {
      r = OrderCommands.apply(r, c, clock, NodeId.of("n1")).record();
      out.add(RecordCodec.encode(r));
    }
    return out;
  }

  /** A source that sends these versions, then nothing; records whether it was closed. */
  private static final class Replay implements EtcdHistory.VersionSource {
    final List<Version> versions;
    final boolean fail;
    final AtomicBoolean closed = new AtomicBoolean();
    long askedAfter = -1;

    Replay(List<Version> versions, boolean fail) {
      this.versions = versions;
      this.fail = fail;
    }

    @Override
    public AutoCloseable stream(
        String keyPrefix, long afterRevision, EtcdHistory.VersionSink sink) {
      askedAfter = afterRevision;
      for (Version v : versions) {
        sink.version(keyPrefix + v.order(), v.revision(), v.value());
      }
      if (fail) {
        sink.failed(new IllegalStateException("compacted"));
      }
      return () -> closed.set(true);
    }
  }

  @Test
  void read_keepsEveryVersionAfterTheStartUpToEachOrdersLast() throws Exception {
    List<byte[]> a = versionsOf("a", 3);
    List<byte[]> b = versionsOf("b", 1);
    Replay source =
        new Replay(
            List.of(
                new Version("a", 5, a.get(0)),
                new Version("a", 8, a.get(1)),
                new Version("a", 12, a.get(2)),
                new Version("b", 13, b.get(0)),
                new Version("a", 14, a.get(2))), // after the read the history ends at
            false);

    EtcdHistory h = EtcdHistory.read(4, Map.of("a", 12L, "b", 13L), source, PREFIX, BOUND);

    assertThat(source.askedAfter).isEqualTo(4);
    assertThat(source.closed).isTrue();
    assertThat(h.all()).containsOnlyKeys("a@5", "a@8", "a@12", "b@13");
    assertThat(h.all().get("a@5")).hasSize(1);
    assertThat(h.all().get("a@12")).hasSize(3);
    assertThat(h.unreadable()).isEmpty();
    assertThat(h.covers("a", 9)).isTrue();
    assertThat(h.before("a", 12)).map(Map.Entry::getKey).contains(8L);
    assertThat(h.at("a", 14)).isEmpty();
  }

  @Test
  void anOrderWhoseLastVersionNeverArrives_isUnreadable_notAHistoryWithoutVersions()
      throws Exception {
    // Given b's last version (9) never arrives within the bound
    List<byte[]> a = versionsOf("a", 1);
    List<byte[]> b = versionsOf("b", 1);
    Replay source =
        new Replay(List.of(new Version("a", 5, a.get(0)), new Version("b", 7, b.get(0))), false);

    // When the history is read with a short bound
    EtcdHistory h =
        EtcdHistory.read(2, Map.of("a", 5L, "b", 9L), source, PREFIX, Duration.ofMillis(300));

    // Then b is listed as unreadable (the change-feed and confirmation checks skip it or say
    // unknown), a is complete, and the stream is closed
    assertThat(h.unreadable()).containsExactly("b");
    assertThat(h.covers("b", 9)).isFalse();
    assertThat(h.covers("a", 5)).isTrue();
    assertThat(source.closed).isTrue();
  }

  @Test
  void aFailedStream_leavesEveryOrderNotYetCompleteUnreadable() throws Exception {
    List<byte[]> a = versionsOf("a", 1);
    Replay source = new Replay(List.of(new Version("a", 5, a.get(0))), true);

    EtcdHistory h = EtcdHistory.read(2, Map.of("a", 5L, "b", 9L, "c", 11L), source, PREFIX, BOUND);

    assertThat(h.unreadable()).containsExactlyInAnyOrder("b", "c");
    assertThat(h.all()).containsOnlyKeys("a@5");
  }

  @Test
  void aValueThatDoesNotDecode_makesItsOrderUnreadable() throws Exception {
    Replay source =
        new Replay(
            List.of(new Version("a", 5, "not a record".getBytes(StandardCharsets.UTF_8))), false);

    EtcdHistory h = EtcdHistory.read(2, Map.of("a", 5L), source, PREFIX, BOUND);

    assertThat(h.unreadable()).containsExactly("a");
  }

  @Test
  void nothingChangedAfterTheStart_readsNothing() throws Exception {
    Replay source = new Replay(List.of(), false);

    EtcdHistory h = EtcdHistory.read(20, Map.of("a", 5L), source, PREFIX, BOUND);

    assertThat(h.size()).isZero();
    assertThat(h.unreadable()).isEmpty();
    assertThat(source.askedAfter).isEqualTo(-1); // not even asked
  }
}
