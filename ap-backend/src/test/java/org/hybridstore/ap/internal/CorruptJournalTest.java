package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.hybridstore.ApConfig;
import org.hybridstore.CorruptDataException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.ap.internal.storage.JournalStore;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.LocalBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged journal is found at start, named, quarantined and healed; a record that does not decode
 * stops the node with a typed error naming the file and the order.
 */
class CorruptJournalTest {
  @TempDir Path dir;
  private final LocalHub hub = new LocalHub(5);
  private final ScheduledExecutorService threads = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void close() {
    hub.close();
    threads.shutdownNow();
  }

  @Test
  void factory_damagedJournal_startsHealedReportsTheDamageAndReReadsEtcd() throws Exception {
    // Given a node that wrote, absorbed etcd up to revision 40, and stopped
    try (TestNode n = TestNode.inMemory("n1", TestNode.config(dir).build(), hub)) {
      n.backend
          .apply(OrderCommand.Create.of(OrderId.of("a"), OpId.of("op-a"), "c", "EUR"))
          .toCompletableFuture()
          .get();
      n.backend.absorb(java.util.List.of(), 40).toCompletableFuture().get();
      assertThat(n.backend.mirrorRevision()).isEqualTo(40);
    }
    // When its log's first bytes are overwritten
    Path file = JournalStore.currentFile(dir);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write("this is not a log header".getBytes(StandardCharsets.US_ASCII));
    }
    String before = org.hybridstore.ap.internal.storage.JournalStoreTestAccess.sha256(file);
    // Then the public factory starts the node anyway, salvaging every valid entry
    BackendContext ctx =
        new BackendContext(
            NodeId.of("n1"),
            new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5)),
            Runnable::run,
            threads);
    try (LocalBackend backend =
        MapDbBackendFactory.of(
                ApConfig.builder(dir).peerAuth(org.hybridstore.PeerAuthConfig.insecure()).build())
            .create(ctx)) {
      // And says so: the damage names the file, the damaged copy is kept as it was
      LocalBackend.JournalHealth health = backend.journalHealth();
      assertThat(health.writable()).isTrue();
      assertThat(health.damageAtStart()).contains(file.toString()).contains("header");
      assertThat(
              org.hybridstore.ap.internal.storage.JournalStoreTestAccess.sha256(
                  Path.of(health.quarantined())))
          .isEqualTo(before);
      assertThat(backend.read(OrderId.of("a"))).isPresent();
      // And the mirror starts over, so the node re-reads every order from etcd
      assertThat(backend.mirrorRevision()).isZero();
    }
  }

  @Test
  void open_undecodableRecord_typedErrorNamingFileAndKey() {
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      s.put("o-1", "{\"schema\":1,\"id\":".getBytes(StandardCharsets.UTF_8));
      s.commit();
    }
    assertThatThrownBy(() -> TestNode.inMemory("n1", TestNode.config(dir).build(), hub))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(JournalStore.currentFile(dir).toString())
        .hasMessageContaining("o-1");
  }
}
