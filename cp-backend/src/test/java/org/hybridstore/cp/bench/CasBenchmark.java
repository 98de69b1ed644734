package org.hybridstore.cp.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.hybridstore.CpConfig;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.ReadConsistency;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.spi.StrongBackend;

/**
 * Load harness (not a test): raw jetcd puts, raw jetcd compare-and-swap transactions (a) and the
 * backend's command writes (b) against one 3-member cluster that it starts itself, each with the
 * same number of requests in flight, in a closed loop (every worker issues its next request from
 * the previous one's completion callback). a and b alternate for several rounds; the report gives
 * every round and the medians, since a shared 2-core machine is noisy.
 *
 * <p>Run from the repository root (see docs/performance.md):
 *
 * <pre>
 * mvn -o -q -pl cp-backend test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -cp cp-backend/target/test-classes:cp-backend/target/classes:$(cat cp-backend/target/bench.classpath) \
 *     org.hybridstore.cp.bench.CasBenchmark
 * </pre>
 *
 * <p>with optional {@code -Dbench.inflight=64,1 -Dbench.seconds=10 -Dbench.warmup=3
 * -Dbench.rounds=3 -Dbench.heartbeat=100 -Dbench.election=1000} before the class name. Each
 * in-flight level gets its own alternating rounds of a and b. The harness uses only the API of the
 * first version, so the same class also measures an older build of the backend (put its jars first
 * on the class path).
 *
 * <p>(a) writes the same number of bytes per request as (b) does in steady state: the size of one
 * of b's records after its warm-up, which runs until every record's op-id history is full (128
 * entries), so that b's records stop growing before anything is measured.
 */
public final class CasBenchmark {
  /** The in-flight levels to measure, e.g. {@code 64,1}; each gets its own alternating rounds. */
  private static final int[] LEVELS =
      java.util.Arrays.stream(System.getProperty("bench.inflight", "64,1").split(","))
          .mapToInt(x -> Integer.parseInt(x.trim()))
          .toArray();

  private static final int INFLIGHT = java.util.Arrays.stream(LEVELS).max().orElse(64);
  private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 3);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

  private static EtcdClusterExtension cluster;

  private CasBenchmark() {}

  /**
   * Runs the benchmark and prints the report.
   *
   * @param args ignored
   * @throws Exception if the cluster cannot start
   */
  public static void main(String[] args) throws Exception {
    try (EtcdClusterExtension c =
            EtcdClusterExtension.builder()
                .withNodes(3)
                .withHeartbeat(Long.getLong("bench.heartbeat", 100))
                .withElectionTimeout(Long.getLong("bench.election", 1000))
                .withPreVote(true)
                .build();
        TestBackendContext ctx = new TestBackendContext("bench")) {
      cluster = c;
      cluster.start();
      CpConfig.Builder builder = cluster.cpConfig().requestTimeout(Duration.ofSeconds(5));
      // tuning knobs of the current backend only (an older build is run without them)
      if (Integer.getInteger("bench.txnsInFlight") != null) {
        builder.txnsInFlight(Integer.getInteger("bench.txnsInFlight"));
      }
      if (Long.getLong("bench.lingerMicros") != null) {
        builder.groupCommitLinger(Duration.ofNanos(1000 * Long.getLong("bench.lingerMicros")));
      }
      CpConfig config = builder.build();
      Client raw =
          Client.builder()
              .endpoints(cluster.clientEndpoints().toArray(URI[]::new))
              .waitForReady(false)
              .keepaliveWithoutCalls(false)
              .build();
      StrongBackend backend = EtcdBackendFactory.of(config).create(ctx.context());
      try {
        run(raw.getKVClient(), backend);
      } finally {
        backend.close();
        raw.close();
      }
    }
    System.exit(0);
  }

  private static void run(KV kv, StrongBackend backend) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "in flight %s, %d s per run after %d s warm-up, %d rounds, %d cores, backend %s%n",
        java.util.Arrays.toString(LEVELS),
        SECONDS,
        WARMUP,
        ROUNDS,
        Runtime.getRuntime().availableProcessors(),
        backend.getClass().getProtectionDomain().getCodeSource().getLocation());
    // b's orders: one per worker, warmed until the op-id history is full (128 entries)
    List<OrderId> orders = new ArrayList<>();
    for (int w = 0; w < INFLIGHT; w++) {
      OrderId id = OrderId.of("bench-" + w);
      orders.add(id);
      backend
          .apply(OrderCommand.Create.of(id, OpId.random(), "customer-" + w, "EUR"))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    Function<Integer, CompletionStage<?>> commands =
        w ->
            backend.apply(
                new OrderCommand.SetAttribute(
                    orders.get(w), OpId.random(), "k" + (w % 8), "value-" + System.nanoTime()));
    // warm until every order's op-id history is full, so b's records no longer grow while measured
    for (int i = 0; i < 20 && minAppliedOps(backend, orders) < OrderLimits.OP_ID_RETENTION; i++) {
      System.out.println(measure("b warm-up", commands, 5, INFLIGHT, backend));
    }
    int payload =
        RecordCodec.encode(
                backend
                    .read(orders.get(0), ReadConsistency.LINEARIZABLE)
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)
                    .orElseThrow())
            .length;
    System.out.printf(
        Locale.ROOT,
        "payload: %d bytes (b's record in steady state; a and puts write the same size)%n",
        payload);
    byte[] value = new byte[payload];
    Arrays.fill(value, (byte) 'x');
    ByteSequence bytes = ByteSequence.from(value);

    AtomicLong counter = new AtomicLong();
    Function<Integer, CompletionStage<?>> puts =
        w ->
            kv.put(
                ByteSequence.from(
                    "/bench/put/" + w + "/" + (counter.incrementAndGet() % 100),
                    StandardCharsets.UTF_8),
                bytes);
    measure("0 raw put warm-up", puts, WARMUP, INFLIGHT, backend);
    Result put = measure("0 raw put", puts, SECONDS, INFLIGHT, backend);
    System.out.println(put);

    CasWorkers cas = new CasWorkers(kv, bytes);
    List<String> summary = new ArrayList<>();
    for (int level : LEVELS) {
      List<Double> ratios = new ArrayList<>();
      List<Result> as = new ArrayList<>();
      List<Result> bs = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        measure("a warm-up", cas::next, WARMUP, level, backend);
        Result a =
            measure(
                "a raw CAS txn, " + level + " in flight, round " + round,
                cas::next,
                SECONDS,
                level,
                backend);
        System.out.println(a);
        measure("b warm-up", commands, WARMUP, level, backend);
        Result b =
            measure(
                "b backend command, " + level + " in flight, round " + round,
                commands,
                SECONDS,
                level,
                backend);
        System.out.println(b);
        as.add(a);
        bs.add(b);
        double ratio = b.throughput / a.throughput;
        ratios.add(ratio);
        System.out.printf(
            Locale.ROOT,
            "round %d (%d in flight): b/a = %.2f, p99 a %.1f ms b %.1f ms%n",
            round,
            level,
            ratio,
            a.p99,
            b.p99);
      }
      summary.add(
          String.format(
              Locale.ROOT,
              "MEDIAN %d in flight | a: %.0f ops/s p50 %.1f ms p99 %.1f ms | b: %.0f ops/s"
                  + " p50 %.1f ms p99 %.1f ms | b/a per round %s, median %.2f | keys per txn (b) %s",
              level,
              median(as, r -> r.throughput),
              median(as, r -> r.p50),
              median(as, r -> r.p99),
              median(bs, r -> r.throughput),
              median(bs, r -> r.p50),
              median(bs, r -> r.p99),
              ratios.stream().map(d -> String.format(Locale.ROOT, "%.2f", d)).toList(),
              median(ratios),
              bs.stream().map(r -> r.keysPerTxn).toList()));
    }
    System.out.printf(
        Locale.ROOT,
        "raw put %.0f ops/s at %d in flight; backend counters %s%n",
        put.throughput,
        INFLIGHT,
        counters(backend));
    summary.forEach(System.out::println);
  }

  /** Workers that each own one key and CAS on the mod revision they last saw. */
  private static final class CasWorkers {
    private final KV kv;
    private final ByteSequence value;
    private final long[] lastRevision = new long[INFLIGHT];

    CasWorkers(KV kv, ByteSequence value) {
      this.kv = kv;
      this.value = value;
    }

    CompletionStage<?> next(int w) {
      ByteSequence key = ByteSequence.from("/bench/cas/" + w, StandardCharsets.UTF_8);
      Cmp cmp =
          lastRevision[w] == 0
              ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
              : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(lastRevision[w]));
      CompletableFuture<TxnResponse> f =
          kv.txn()
              .If(cmp)
              .Then(Op.put(key, value, PutOption.DEFAULT))
              .Else(Op.get(key, GetOption.DEFAULT))
              .commit();
      return f.thenAccept(
          r -> {
            if (r.isSucceeded()) {
              lastRevision[w] = r.getHeader().getRevision();
            } else {
              lastRevision[w] = r.getGetResponses().get(0).getKvs().get(0).getModRevision();
            }
          });
    }
  }

  private record Result(
      String name,
      double throughput,
      double p50,
      double p99,
      long errors,
      String load,
      double jvmCpuMicrosPerOp,
      double etcdCpuMicrosPerOp,
      String keysPerTxn) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%-44s %7.0f ops/s  p50 %6.1f ms  p99 %6.1f ms  errors %d  load %s"
              + "  cpu/op: jvm %.0f us, etcd %.0f us  backend keys/txn %s",
          name,
          throughput,
          p50,
          p99,
          errors,
          load,
          jvmCpuMicrosPerOp,
          etcdCpuMicrosPerOp,
          keysPerTxn);
    }
  }

  private static String counters(StrongBackend backend) {
    try {
      return backend.counters().toString();
    } catch (LinkageError e) {
      return "n/a";
    }
  }

  /**
   * The backend's write transactions and written records so far, or null if it counts nothing
   * (older builds).
   */
  private static long[] backendCounts(StrongBackend backend) {
    try {
      var c = backend.counters();
      return new long[] {c.writeTransactions(), c.writtenRecords()};
    } catch (LinkageError | RuntimeException e) {
      return null;
    }
  }

  private static int minAppliedOps(StrongBackend backend, List<OrderId> orders) throws Exception {
    int min = Integer.MAX_VALUE;
    for (OrderId id : orders) {
      min =
          Math.min(
              min,
              backend
                  .read(id, ReadConsistency.LINEARIZABLE)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS)
                  .orElseThrow()
                  .appliedOps()
                  .entries()
                  .size());
    }
    return min;
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  /** Txn, Range and Put RPCs the members have served so far, from their /metrics. */
  private static long[] rpcCounts() {
    long[] counts = new long[3];
    String[] methods = {"Txn", "Range", "Put"};
    for (var m : cluster.members()) {
      try {
        String body =
            HTTP.send(
                    java.net.http.HttpRequest.newBuilder(m.clientEndpoint().resolve("/metrics"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : body.split("\n")) {
          if (!line.startsWith("grpc_server_handled_total{")) {
            continue;
          }
          for (int i = 0; i < methods.length; i++) {
            if (line.contains("grpc_method=\"" + methods[i] + "\"")) {
              counts[i] += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        return counts;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return counts;
      }
    }
    return counts;
  }

  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of every etcd member of the cluster, from /proc (clock ticks of 10 ms). */
  private static long etcdCpuNanos() {
    long ticks = 0;
    for (var m : cluster.members()) {
      try {
        String[] f =
            Files.readString(Path.of("/proc/" + m.pid() + "/stat")).split("\\) ")[1].split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return ticks * 10_000_000L;
  }

  private static Result measure(
      String name,
      Function<Integer, CompletionStage<?>> op,
      int seconds,
      int inflight,
      StrongBackend backend)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long start = System.nanoTime();
    long jvm0 = jvmCpuNanos();
    long[] rpc0 = rpcCounts();
    long etcd0 = etcdCpuNanos();
    long[] txn0 = backendCounts(backend);
    CountDownLatch done = new CountDownLatch(inflight);
    List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicLong ops = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    for (int w = 0; w < inflight; w++) {
      new Worker(w, op, end, done, latencies, ops, errors).issue();
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    double n = Math.max(1, ops.get());
    long[] rpc1 = rpcCounts();
    long[] txn1 = backendCounts(backend);
    String keysPerTxn =
        txn0 == null || txn1 == null || txn1[0] == txn0[0]
            ? "-"
            : String.format(
                Locale.ROOT, "%.1f", (double) (txn1[1] - txn0[1]) / (txn1[0] - txn0[0]));
    System.out.printf(
        Locale.ROOT,
        "  (%s: per op %.2f Txn, %.2f Range, %.2f Put RPCs served by etcd)%n",
        name,
        (rpc1[0] - rpc0[0]) / n,
        (rpc1[1] - rpc0[1]) / n,
        (rpc1[2] - rpc0[2]) / n);
    return new Result(
        name,
        ops.get() / elapsed,
        percentile(all, 0.50),
        percentile(all, 0.99),
        errors.get(),
        load(),
        (jvmCpuNanos() - jvm0) / 1e3 / n,
        (etcdCpuNanos() - etcd0) / 1e3 / n,
        keysPerTxn);
  }

  /** One closed-loop worker: one request in flight, the next issued from the completion. */
  private static final class Worker {
    private final int id;
    private final Function<Integer, CompletionStage<?>> op;
    private final long end;
    private final CountDownLatch done;
    private final List<long[]> sink;
    private final AtomicLong ops;
    private final AtomicLong errors;
    private long[] latencies = new long[4096];
    private int count;

    Worker(
        int id,
        Function<Integer, CompletionStage<?>> op,
        long end,
        CountDownLatch done,
        List<long[]> sink,
        AtomicLong ops,
        AtomicLong errors) {
      this.id = id;
      this.op = op;
      this.end = end;
      this.done = done;
      this.sink = sink;
      this.ops = ops;
      this.errors = errors;
    }

    void issue() {
      long t0 = System.nanoTime();
      CompletionStage<?> stage;
      try {
        stage = op.apply(id);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete(
          (r, e) -> {
            long now = System.nanoTime();
            if (e != null) {
              errors.incrementAndGet();
            } else {
              ops.incrementAndGet();
              if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
              }
              latencies[count++] = now - t0;
            }
            if (now < end) {
              issue();
            } else {
              sink.add(Arrays.copyOf(latencies, count));
              done.countDown();
            }
          });
    }
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
  }

  private static <T> double median(List<T> items, java.util.function.ToDoubleFunction<T> f) {
    double[] v = items.stream().mapToDouble(f).sorted().toArray();
    return v[v.length / 2];
  }

  private static double median(List<Double> values) {
    return median(values, Double::doubleValue);
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
