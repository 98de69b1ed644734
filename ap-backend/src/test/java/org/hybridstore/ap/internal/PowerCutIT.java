package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.storage.SimulatedDisk;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss, not only process death: the journal runs on a {@link SimulatedDisk} that forgets
 * every byte and every file creation that was not forced when the power goes, and keeps at random
 * an in-order part of the unforced appends (a torn write). The machine stops after a random number
 * of disk operations (during a start and its recovery, a group commit, a compaction), the power is
 * cut, the node restarts, and every write that was acknowledged before the cut must be there. Cuts
 * come in series of {@value #PER_SERIES} on one disk, half of them with a tiny compaction threshold
 * so that cuts land inside compactions too. 250 cuts on every build; the proof run passes {@code
 * -Dpowercut.cuts=1000} (docs/local-journal.md).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PowerCutIT {
  static final int CUTS = Integer.getInteger("powercut.cuts", 250);
  static final int PER_SERIES = 10;

  @TempDir Path dir;
  private final LocalHub hub = new LocalHub(7);
  private final List<TestNode> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    try {
      TestNode.closeAll(nodes);
    } finally {
      hub.close();
    }
  }

  @Test
  void powerCutAtRandomPoints_everyAcknowledgedWriteSurvives() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    long acknowledged = 0;
    long checks = 0;
    int cutsInsideOpen = 0;
    List<String> lost = new ArrayList<>();
    for (int series = 0; series * PER_SERIES < CUTS; series++) {
      SimulatedDisk disk = new SimulatedDisk();
      boolean compacting = series % 2 == 1;
      StorageOptions storage = new StorageOptions(series % 4 < 2, compacting ? 1 : 64L << 20, disk);
      Path data = dir.resolve("s" + series);
      Map<String, String> acked = new ConcurrentHashMap<>();
      for (int cut = 0; cut < PER_SERIES; cut++) {
        // Given a node writing, on a machine that stops after a random number of disk operations
        boolean duringOpen = random.nextInt(8) == 0;
        disk.dieAfter(duringOpen ? random.nextInt(12) : Long.MAX_VALUE);
        TestNode node = null;
        try {
          node = start(data, storage);
        } catch (RuntimeException e) {
          cutsInsideOpen++;
        }
        if (node != null) {
          disk.dieAfter(random.nextInt(400));
          acknowledged += write(node, "s" + series + "c" + cut, random, disk, acked);
          node.close();
          nodes.remove(node);
        }
        // When the power is cut
        disk.powerCut(random);
        // Then after a restart every acknowledged write is there
        TestNode check = start(data, storage);
        for (Map.Entry<String, String> a : acked.entrySet()) {
          checks++;
          String[] idKey = a.getKey().split(" ");
          OrderRecord r = check.backend.read(OrderId.of(idKey[0])).orElse(null);
          String value =
              r == null ? null : idKey.length == 1 ? "" : r.toOrder().attributes().get(idKey[1]);
          if (!a.getValue().equals(value)) {
            lost.add(
                "series "
                    + series
                    + " cut "
                    + cut
                    + ": "
                    + a.getKey()
                    + " = "
                    + a.getValue()
                    + " read "
                    + value);
          }
        }
        assertThat(check.backend.journalHealth().damageAtStart())
            .as("no damage after a power cut")
            .isEmpty();
        // Half the time the check closes cleanly, half the time the power goes again at once.
        if (random.nextBoolean()) {
          disk.dieAfter(0);
        }
        check.close();
        nodes.remove(check);
        if (disk.dead()) {
          disk.powerCut(random);
        }
      }
    }
    System.out.printf(
        "PowerCutIT: seed %d, %d cuts (%d during a start), %d acknowledged writes, %d checks, %d lost%n",
        seed, CUTS, cutsInsideOpen, acknowledged, checks, lost.size());
    assertThat(lost).as("seed %d", seed).isEmpty();
    assertThat(acknowledged).as("the cuts must land among acknowledged writes").isGreaterThan(CUTS);
  }

  private TestNode start(Path data, StorageOptions storage) {
    TestNode n =
        TestNode.start(
            "cut",
            TestNode.config(data).build(),
            storage,
            hub.factory(new NetworkFaults()),
            new NetworkFaults(),
            InstantSource.system());
    nodes.add(n);
    return n;
  }

  /** Writes with up to 16 in flight until the machine stops; returns how many were acknowledged. */
  private static int write(
      TestNode node, String prefix, Random random, SimulatedDisk disk, Map<String, String> acked)
      throws Exception {
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    List<String> created =
        new CopyOnWriteArrayList<>(acked.keySet().stream().filter(k -> !k.contains(" ")).toList());
    AtomicInteger count = new AtomicInteger();
    for (int n = 0; !disk.dead() && n < 300; n++) {
      OrderCommand command;
      String key;
      String value;
      if (created.isEmpty() || random.nextInt(3) == 0) {
        String id = prefix + "-" + n;
        command = OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR");
        key = id;
        value = "";
      } else {
        String id = created.get(random.nextInt(created.size()));
        String attr = "k" + n;
        value = "v" + random.nextInt(1000);
        command =
            new OrderCommand.SetAttribute(
                OrderId.of(id), OpId.of("op-" + id + "-" + attr), attr, value);
        key = id + " " + attr;
      }
      boolean create = command instanceof OrderCommand.Create;
      inFlight.add(
          node.backend
              .apply(command)
              .toCompletableFuture()
              .thenRun(
                  () -> {
                    // acknowledged: it must survive the cut
                    acked.put(key, value);
                    count.incrementAndGet();
                    if (create) {
                      created.add(key);
                    }
                  }));
      if (inFlight.size() >= 16) {
        CompletableFuture.anyOf(inFlight.toArray(CompletableFuture[]::new))
            .exceptionally(e -> null)
            .get(30, TimeUnit.SECONDS);
        inFlight.removeIf(CompletableFuture::isDone);
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null)
        .get(30, TimeUnit.SECONDS);
    return count.get();
  }
}
