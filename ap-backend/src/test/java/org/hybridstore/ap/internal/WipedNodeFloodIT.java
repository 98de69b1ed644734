package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wiped node rejoins three peers that each hold the same {@code N} records, in a child JVM with
 * {@code -Xmx256m}: it converges to the peers' replica without an OutOfMemoryError (the child exits
 * on one), and its live heap after collections stays under {@link #LIVE_HEAP_BOUND_MIB}.
 *
 * <p>Per build N = 5,000; the full size is {@code -Dhybridstore.flood.records=100000} (measured
 * result in docs/security.md).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class WipedNodeFloodIT {
  private static final int RECORDS = Integer.getInteger("hybridstore.flood.records", 5_000);
  static final int LIVE_HEAP_BOUND_MIB = 200;

  @TempDir Path dir;
  private final List<TestNode> nodes = new ArrayList<>();
  private Process child;

  @AfterEach
  void stop() throws Exception {
    try {
      if (child != null) {
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } finally {
      TestNode.closeAll(nodes);
    }
  }

  @Test
  void wipedNodeRejoiningThreeFullPeers_convergesInASmallHeap() throws Exception {
    // Given three converged peers with RECORDS records each
    TestNode p1 = TestNode.scaleCube("n1", TestNode.config(dir.resolve("n1")).build());
    nodes.add(p1);
    TestNode p2 =
        TestNode.scaleCube(
            "n2", TestNode.config(dir.resolve("n2")).seeds(List.of(p1.address())).build());
    nodes.add(p2);
    TestNode p3 =
        TestNode.scaleCube(
            "n3", TestNode.config(dir.resolve("n3")).seeds(List.of(p1.address())).build());
    nodes.add(p3);
    long fillStart = System.nanoTime();
    // The records as a node would have written them (the model's pure apply), absorbed by all
    // three: the same replica everywhere, without a write path's cost
    for (int i = 0; i < RECORDS; i += 1000) {
      List<OrderRecord> records = new ArrayList<>();
      for (int j = i; j < Math.min(RECORDS, i + 1000); j++) {
        OrderCommand create =
            OrderCommand.Create.of(
                OrderId.of(String.format("order-%07d", j)),
                OpId.of("op-" + j),
                "customer-" + j,
                "EUR");
        records.add(OrderCommands.apply(null, create, p1.clock, p1.id).record());
      }
      for (TestNode p : nodes) {
        p.backend.absorb(records, 1).toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
    Awaits.await(120)
        .untilAsserted(
            () -> {
              assertThat(p2.backend.replicaSummary()).isEqualTo(p1.backend.replicaSummary());
              assertThat(p3.backend.replicaSummary()).isEqualTo(p1.backend.replicaSummary());
            });
    long fillMillis = (System.nanoTime() - fillStart) / 1_000_000;

    // When a wiped node with a 256 MiB heap joins them
    Path out = dir.resolve("child.out");
    child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                FloodChild.class.getName(),
                dir.resolve("n4").toString(),
                Integer.toString(RECORDS),
                p1.address(),
                p2.address(),
                p3.address())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();

    // Then it converges to the peers' replica, alive, with its live heap under the bound
    Process running = child;
    // (the child exits after DONE, so the line is complete once it has)
    Awaits.await(600).until(() -> !running.isAlive());
    assertThat(running.exitValue())
        .as("exit (3 would be an OutOfMemoryError):\n%s", tail(out))
        .isZero();
    String done = lastLine(out, "DONE ");
    assertThat(done).as("child output:\n%s", tail(out)).isNotNull();
    assertThat(done).startsWith("DONE " + p1.backend.replicaSummary() + " ");
    int live = Integer.parseInt(done.replaceAll(".*liveAfterGcMiB=(\\d+).*", "$1"));
    assertThat(live).isLessThan(LIVE_HEAP_BOUND_MIB);
    System.out.printf(
        "WipedNodeFloodIT: 3 peers x %d records filled in %d ms; wiped node (-Xmx256m): %s%n",
        RECORDS, fillMillis, done);
    // ... and the peers hold no more than their byte bounds for it
    for (TestNode p : nodes) {
      assertThat(p.backend.queuedBytes())
          .isLessThanOrEqualTo(org.hybridstore.ApConfig.DEFAULT_PEER_QUEUE_BYTES);
    }
  }

  private static String lastLine(Path out, String prefix) throws java.io.IOException {
    String found = null;
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      if (line.startsWith(prefix)) {
        found = line;
      }
    }
    return found;
  }

  private static String tail(Path out) throws java.io.IOException {
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
