package org.hybridstore.switchover.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;

/** Shared pieces of the switchover's unit tests: a settable clock, metrics, commands. */
final class Fixtures {
  private Fixtures() {}

  /** A clock the test moves by hand. */
  static final class ManualTime implements InstantSource {
    private final AtomicReference<Instant> now =
        new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }
  }

  static StoreMetrics metrics() {
    return new StoreMetrics(
        new SimpleMeterRegistry(), "test", "n1", () -> 0, () -> 0, () -> 0, () -> 1);
  }

  static SwitchoverConfig config() {
    return SwitchoverConfig.builder()
        .strongWriteDeadline(Duration.ofMillis(300))
        .breakerMinimumCalls(3)
        .ownerGrace(Duration.ofSeconds(2))
        .build();
  }

  /** The records with their encodings, as a reconcile pass reads them from the journal. */
  static List<EncodedRecord> encoded(List<OrderRecord> records) {
    return records.stream().map(EncodedRecord::of).toList();
  }

  static OrderCommand.Create create(String id) {
    return OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR");
  }

  static NodeId node(String id) {
    return NodeId.of(id);
  }
}
