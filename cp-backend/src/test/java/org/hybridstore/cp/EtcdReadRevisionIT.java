package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hybridstore.cp.testing.Stages.join;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.RevisionCompactedException;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code readRevision}: a record with its mod revision, now or as of a past revision; compaction is
 * typed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdReadRevisionIT {
  @RegisterExtension
  static final EtcdClusterExtension cluster = EtcdClusterExtension.builder().withNodes(1).build();

  static TestBackendContext ctx;
  static StrongBackend backend;

  @BeforeAll
  static void open() {
    ctx = new TestBackendContext("n1");
    backend =
        EtcdBackendFactory.of(cluster.cpConfig().requestTimeout(Duration.ofSeconds(2)).build())
            .create(ctx.context());
  }

  @AfterAll
  static void close() {
    backend.close();
    ctx.close();
  }

  @Test
  void readRevision_nowAndInThePast_returnsEachVersionWithItsModRevision() {
    // Given an order written three times
    OrderId id = OrderId.of("rr-versions");
    BackendWrite v1 = join(backend.apply(OrderCommand.Create.of(id, OpId.of("rr-1"), "c", "EUR")));
    BackendWrite v2 =
        join(backend.apply(new OrderCommand.SetAttribute(id, OpId.of("rr-2"), "a", "1")));
    BackendWrite v3 =
        join(backend.apply(new OrderCommand.SetAttribute(id, OpId.of("rr-3"), "a", "2")));
    // When it is read now, and just before each later version
    StoredRecord now = join(backend.readRevision(id, 0)).orElseThrow();
    StoredRecord beforeV3 = join(backend.readRevision(id, v3.revision() - 1)).orElseThrow();
    StoredRecord beforeV2 = join(backend.readRevision(id, v2.revision() - 1)).orElseThrow();
    // Then each read names the version's own mod revision and record
    assertThat(now).isEqualTo(new StoredRecord(v3.record(), v3.revision()));
    assertThat(beforeV3).isEqualTo(new StoredRecord(v2.record(), v2.revision()));
    assertThat(beforeV2).isEqualTo(new StoredRecord(v1.record(), v1.revision()));
    // and before the first version the key did not exist
    assertThat(join(backend.readRevision(id, v1.revision() - 1))).isEmpty();
    assertThat(join(backend.readRevision(OrderId.of("rr-absent"), 0))).isEmpty();
  }

  @Test
  void readRevision_compacted_failsTyped_andNegative_isInvalid() throws Exception {
    OrderId id = OrderId.of("rr-compacted");
    BackendWrite v1 = join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
    BackendWrite v2 =
        join(backend.apply(new OrderCommand.SetAttribute(id, OpId.random(), "a", "1")));
    try (Client raw = cluster.newClient()) {
      raw.getKVClient().compact(v2.revision()).get(10, TimeUnit.SECONDS);
    }
    assertThatThrownBy(() -> join(backend.readRevision(id, v1.revision())))
        .isInstanceOf(RevisionCompactedException.class)
        .hasMessageContaining("rr-compacted");
    assertThat(join(backend.readRevision(id, v2.revision())))
        .hasValue(new StoredRecord(v2.record(), v2.revision()));
    assertThatThrownBy(() -> join(backend.readRevision(id, -1)))
        .isInstanceOf(InvalidInputException.class);
  }
}
