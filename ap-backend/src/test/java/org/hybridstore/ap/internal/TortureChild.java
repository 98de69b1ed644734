package org.hybridstore.ap.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;

/**
 * The writer child of {@link JournalTorture}: opens a node's journal and writes until it is killed
 * with SIGKILL, printing one line per acknowledged write, so the parent knows exactly what must
 * survive.
 *
 * <p>Arguments: data directory, order id prefix, volume ({@code mmap} or {@code raf}), workload
 * ({@code commit}, {@code rotate} or {@code absorb}), seed.
 *
 * <ul>
 *   <li>{@code commit}: creates orders and sets attributes on acknowledged ones, 32 writes in
 *       flight: every kill lands in or between group commits.
 *   <li>{@code rotate}: the same with 1 KiB attribute values and a rotation threshold of one byte,
 *       so the file is compacted into a new generation every few hundred batches and kills land
 *       inside rotations too.
 *   <li>{@code absorb}: local writes mixed with absorbs of records "from etcd" (another writer's
 *       attributes merged into the replica), the anti-entropy and mirror path.
 * </ul>
 *
 * <p>Output lines: {@code READY}; {@code ACK C <order>} (created); {@code ACK A <order> <key>
 * <value>} (attribute set locally); {@code ACK E <order> <key> <value>} (attribute absorbed).
 */
public final class TortureChild {
  private static final int MAX_KEYS_PER_ORDER = 40;

  private TortureChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    String prefix = args[1];
    boolean mmap = args[2].equals("mmap");
    String workload = args[3];
    Random random = new Random(Long.parseLong(args[4]));
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    BackendContext ctx =
        new BackendContext(
            NodeId.of("torture"),
            new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5)),
            Executors.newFixedThreadPool(2),
            scheduler);
    StorageOptions storage =
        new StorageOptions(
            mmap, workload.equals("rotate") ? 1 : StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES);
    MapDbOrderBackend backend =
        MapDbOrderBackend.open(
            ApConfig.builder(dataDir).peerAuth(org.hybridstore.PeerAuthConfig.insecure()).build(),
            ctx,
            storage,
            new LocalHub(1).factory(new NetworkFaults()),
            new NetworkFaults());
    out.println("READY");

    int valueLength = workload.equals("rotate") ? 1024 : 16;
    boolean absorbs = workload.equals("absorb");
    HybridLogicalClock etcdClock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5));
    NodeId etcdWriter = NodeId.of("etcd-writer");
    AtomicLong revision = new AtomicLong(backend.mirrorRevision());
    List<String> created = new ArrayList<>();
    ConcurrentHashMap<String, AtomicInteger> keysUsed = new ConcurrentHashMap<>();
    Semaphore inFlight = new Semaphore(32);
    long next = 0;
    while (true) {
      inFlight.acquire();
      String target;
      synchronized (created) {
        target =
            created.isEmpty() || random.nextInt(4) == 0
                ? null
                : created.get(random.nextInt(created.size()));
      }
      if (target == null) {
        String id = prefix + "-" + next++;
        backend
            .apply(OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR"))
            .whenComplete(
                (w, e) -> {
                  if (e == null) {
                    synchronized (created) {
                      created.add(id);
                    }
                    print(out, "ACK C " + id);
                  }
                  inFlight.release();
                });
        continue;
      }
      int k = keysUsed.computeIfAbsent(target, t -> new AtomicInteger()).getAndIncrement();
      if (k >= MAX_KEYS_PER_ORDER) {
        synchronized (created) {
          created.remove(target);
        }
        inFlight.release();
        continue;
      }
      String value = value(random, valueLength);
      if (absorbs && random.nextBoolean()) {
        // A record as etcd would hold it: the replica's record plus another writer's attribute.
        String key = "e" + k;
        OrderRecord base = backend.read(OrderId.of(target)).orElseThrow();
        OrderRecord etcd =
            OrderCommands.apply(
                    base,
                    new OrderCommand.SetAttribute(
                        OrderId.of(target), OpId.of("op-" + target + "-" + key), key, value),
                    etcdClock,
                    etcdWriter)
                .record();
        backend
            .absorb(List.of(etcd), revision.incrementAndGet())
            .whenComplete(
                (v, e) -> {
                  if (e == null) {
                    print(out, "ACK E " + target + " " + key + " " + value);
                  }
                  inFlight.release();
                });
      } else {
        String key = "a" + k;
        backend
            .apply(
                new OrderCommand.SetAttribute(
                    OrderId.of(target), OpId.of("op-" + target + "-" + key), key, value))
            .whenComplete(
                (w, e) -> {
                  if (e == null) {
                    print(out, "ACK A " + target + " " + key + " " + value);
                  }
                  inFlight.release();
                });
      }
    }
  }

  private static String value(Random random, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
    }
  }
}
