package org.hybridstore.switchover;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.Acceptance;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;

/**
 * Load harness (not a test): three stores on a real 3-member etcd cluster. For each backlog size,
 * kill two members, write that many orders spread over the three stores while quorum is lost,
 * restart the members, and measure:
 *
 * <ul>
 *   <li>failover detection: kill to every store DEGRADED;
 *   <li>writes acknowledged during the outage (of those attempted);
 *   <li>convergence window: restart to every store STRONG with an empty backlog, and to every
 *       replica equal to etcd for every written order.
 * </ul>
 *
 * <pre>
 * mvn -B -q -pl switchover -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp switchover/target/test-classes:switchover/target/classes:$(cat switchover/target/cp.txt) \
 *     org.hybridstore.switchover.ConvergenceBenchmark 1000 10000
 * </pre>
 */
public final class ConvergenceBenchmark {
  private ConvergenceBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args.length == 0 ? new String[] {"1000", "10000"} : args) {
      sizes.add(Integer.parseInt(a));
    }
    System.out.println(
        "| backlog | detection: kill to all DEGRADED (ms) | acknowledged during outage | restart to all STRONG, backlog 0 (ms) | restart to replicas equal to etcd (ms) |");
    System.out.println("|---|---|---|---|---|");
    for (int size : sizes) {
      run(size);
    }
  }

  private static void run(int size) throws Exception {
    EtcdClusterExtension etcd =
        EtcdClusterExtension.builder()
            .withNodes(3)
            .withHeartbeat(50)
            .withElectionTimeout(500)
            .withPreVote(true)
            .build();
    etcd.start();
    Path dir = Files.createTempDirectory("convergence-bench");
    try (StoreCluster stores =
        new StoreCluster(etcd, dir, 3, ManagementFactory.getPlatformMBeanServer())) {
      stores.startAll();
      EtcdMember leader = etcd.leader();
      EtcdMember follower = etcd.followers().get(0);
      long killed = System.nanoTime();
      leader.kill();
      follower.kill();
      until(
          Duration.ofSeconds(30),
          () -> stores.all().stream().allMatch(s -> s.mode() == ConsistencyMode.DEGRADED));
      long detection = ms(killed);
      AtomicInteger acked = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      List<CompletableFuture<?>> writes = new ArrayList<>();
      Semaphore inFlight = new Semaphore(512);
      for (int i = 0; i < size; i++) {
        inFlight.acquire();
        OrderCommand c = OrderCommand.Create.of(OrderId.of("b-" + i), OpId.random(), "c", "EUR");
        writes.add(
            stores
                .get(i % 3)
                .apply(c)
                .toCompletableFuture()
                .whenComplete(
                    (r, e) -> {
                      inFlight.release();
                      if (e == null && r.acceptance() == Acceptance.PROVISIONAL) {
                        acked.incrementAndGet();
                      } else {
                        refused.incrementAndGet();
                      }
                    }));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null)
          .join();
      long restarted = System.nanoTime();
      leader.restart();
      follower.restart();
      until(
          Duration.ofMinutes(5),
          () ->
              stores.all().stream()
                  .allMatch(s -> s.mode() == ConsistencyMode.STRONG && s.backlogSize() == 0));
      long strong = ms(restarted);
      until(Duration.ofMinutes(5), () -> allEqual(stores, size));
      long equal = ms(restarted);
      System.out.printf(
          "| %,d | %d | %d of %d (%d refused) | %d | %d |%n",
          size, detection, acked.get(), size, refused.get(), strong, equal);
    } finally {
      etcd.close();
    }
  }

  /** One verification pass, reads in parallel: every order in etcd, and equal on every replica. */
  private static boolean allEqual(StoreCluster stores, int size) {
    Semaphore inFlight = new Semaphore(256);
    AtomicInteger mismatches = new AtomicInteger();
    List<CompletableFuture<?>> reads = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      OrderId id = OrderId.of("b-" + i);
      inFlight.acquireUninterruptibly();
      reads.add(
          stores
              .get(0)
              .get(id, ReadConsistency.LINEARIZABLE)
              .toCompletableFuture()
              .whenComplete(
                  (etcd, e) -> {
                    inFlight.release();
                    if (e != null || etcd.isEmpty()) {
                      mismatches.incrementAndGet();
                      return;
                    }
                    for (HybridOrderStore s : stores.all()) {
                      if (!s.sync()
                          .get(id, ReadConsistency.LOCAL)
                          .map(v -> v.value().equals(etcd.get().value()))
                          .orElse(false)) {
                        mismatches.incrementAndGet();
                      }
                    }
                  }));
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null)
        .join();
    return mismatches.get() == 0;
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static void until(Duration limit, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not reached within " + limit);
      }
      Thread.sleep(20);
    }
  }
}
