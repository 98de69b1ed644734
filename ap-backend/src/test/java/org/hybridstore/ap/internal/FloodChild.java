package org.hybridstore.ap.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The wiped node of {@link WipedNodeFloodIT}, in its own small-heap JVM: joins the given seeds with
 * an empty journal and reports, every 200 ms, how many records it holds and how much heap it uses,
 * until it holds {@code expected} records (then {@code DONE}). Heap is reported as the largest live
 * set seen after a collection (what the node really keeps) and the pools' peak (garbage included).
 */
public final class FloodChild {
  private FloodChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    int expected = Integer.parseInt(args[1]);
    String[] seeds = Arrays.copyOfRange(args, 2, args.length);
    long start = System.nanoTime();
    long maxAfterGc = 0;
    try (TestNode node =
        TestNode.scaleCube(
            "n4",
            TestNode.config(dataDir)
                .seeds(Arrays.asList(seeds))
                .antiEntropyInterval(java.time.Duration.ofMillis(500))
                .build())) {
      while (true) {
        long afterGc = 0;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
          if (p.getType() == MemoryType.HEAP) {
            MemoryUsage u = p.getCollectionUsage();
            afterGc += u == null ? 0 : u.getUsed();
            peak += p.getPeakUsage().getUsed();
          }
        }
        maxAfterGc = Math.max(maxAfterGc, afterGc);
        int size = node.backend.replicaSize();
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf(
            "SIZE %d ms=%d liveAfterGcMiB=%d peakMiB=%d dropped=%d%n",
            size,
            ms,
            maxAfterGc >> 20,
            peak >> 20,
            node.backend.stats().droppedMessages() + node.backend.stats().droppedMergeBudget());
        if (size >= expected) {
          node.backend.flush().toCompletableFuture().join();
          var st = node.backend.stats();
          System.out.printf(
              "DONE %s ms=%d liveAfterGcMiB=%d peakMiB=%d recordsReceived=%d droppedMergeBudget=%d "
                  + "droppedQueueFull=%d messagesReceived=%d%n",
              node.backend.replicaSummary(),
              ms,
              maxAfterGc >> 20,
              peak >> 20,
              st.peerRecordsMerged() + st.peerRecordsUnchanged(),
              st.droppedMergeBudget(),
              st.droppedQueueFull(),
              st.messagesReceived());
          System.out.flush();
          return;
        }
        Thread.sleep(200); // a reporting period in a child process, not a test wait
      }
    }
  }
}
