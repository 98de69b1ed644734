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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged journal stops the node at start with a typed error naming the file; never a reset. */
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
  void factory_garbledFile_typedErrorNamingTheFileWhichIsLeftAsItWas() throws Exception {
    // Given a node that wrote and stopped
    try (TestNode n = TestNode.inMemory("n1", TestNode.config(dir).build(), hub)) {
      n.backend.apply(OrderCommand.Create.of(OrderId.of("a"), OpId.of("op-a"), "c", "EUR")).toCompletableFuture().get();
    }
    // When its file is damaged
    Path file = JournalStore.currentFile(dir);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write("this is not a MapDB header at all".getBytes(StandardCharsets.US_ASCII));
    }
    String before = org.hybridstore.ap.internal.storage.JournalStoreTestAccess.sha256(file);
    // Then the public factory refuses to start, naming the file, and leaves it untouched
    BackendContext ctx = new BackendContext(NodeId.of("n1"),
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5)), Runnable::run, threads);
    assertThatThrownBy(() -> MapDbBackendFactory.of(ApConfig.builder(dir).build()).create(ctx))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("docs/local-journal.md");
    assertThat(org.hybridstore.ap.internal.storage.JournalStoreTestAccess.sha256(file)).isEqualTo(before);
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
