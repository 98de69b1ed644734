package org.hybridstore.chaos.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.chaos.cluster.Fault;
import org.hybridstore.chaos.nemesis.Nemeses;
import org.hybridstore.chaos.nemesis.Nemesis;
import org.jspecify.annotations.Nullable;

/**
 * The run's nemeses: the cluster nemeses by name, plus the ones that need the order-service nodes
 * ({@code kill-node}: SIGKILL a service node mid-write and restart it on stop; {@code
 * kill-node-isolated}: cut a host off from every other host, so its node degrades and its
 * acknowledged writes can reach no peer, then SIGKILL that node, restart it while still cut off,
 * and heal; {@code clock-skew}: move one node's clock ahead through its injectable time source;
 * {@code bitflip-journal}: SIGKILL a settled node, flip bits in its journal log, restart it).
 * {@code all} selects every nemesis the cluster supports; a nemesis named explicitly that this
 * cluster cannot run is an error, never a silent skip.
 */
final class RunNemeses {
  static final List<String> SERVICE_NEMESES =
      List.of("kill-node", "kill-node-isolated", "clock-skew", "bitflip-journal");

  private RunNemeses() {}

  static List<String> names() {
    List<String> names = new ArrayList<>(Nemeses.names());
    names.addAll(SERVICE_NEMESES);
    return names;
  }

  /**
   * Returns the nemeses to cycle through.
   *
   * @throws IllegalArgumentException if a nemesis named explicitly cannot run on this cluster
   *     (network faults in the loopback mode)
   */
  static List<Nemesis> resolve(
      List<String> names, Cluster cluster, ServiceNodes nodes, PrintStream out) {
    boolean all = names.contains("all");
    List<String> wanted = all ? names() : names;
    List<Nemesis> result = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    for (String name : wanted) {
      Nemesis n =
          switch (name) {
            case "kill-node" -> new KillNode(nodes);
            case "kill-node-isolated" -> new KillNodeIsolated(nodes);
            case "clock-skew" -> new ClockSkew(nodes);
            case "bitflip-journal" -> new BitflipJournal(nodes);
            default -> Nemeses.byName(name);
          };
      if (n.supported(cluster)) {
        result.add(n);
      } else {
        unsupported.add(name);
      }
    }
    if (!unsupported.isEmpty()) {
      if (!all) {
        throw new IllegalArgumentException(
            "nemeses "
                + unsupported
                + " need network namespaces, which this run does"
                + " not have (loopback mode); run as root without --loopback, or choose process faults only");
      }
      out.println(
          "--nemesis all in the loopback mode: the network nemeses "
              + unsupported
              + " cannot run here");
    }
    return result;
  }

  /**
   * Heals everything any nemesis may have left: network rules, stopped or dead processes, clocks.
   */
  static void healAll(Cluster cluster, ServiceNodes nodes) {
    if (cluster.network().supports()) {
      cluster.network().heal();
    }
    for (int i = 0; i < cluster.hosts().size(); i++) {
      EtcdMember m = cluster.etcd(i);
      if (m.isPaused()) {
        m.resume();
      }
      if (!m.isRunning()) {
        m.restart();
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.isAlive(i)) {
        nodes.start(i);
        nodes.awaitReady(i);
      }
      try {
        nodes.client(i).clockOffset(0).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // The node is checked again by the recovery wait.
      }
    }
  }

  /** A fault on one order-service node, chosen at random at start; its bookkeeping. */
  private abstract static class ServiceNemesis implements Nemesis {
    final ServiceNodes nodes;
    int victim = -1;

    ServiceNemesis(ServiceNodes nodes) {
      this.nodes = nodes;
    }

    abstract void apply(int host, Random random);

    abstract void heal(int host);

    abstract String fault(int host);

    @Override
    public final void start(Cluster c, Random random) {
      victim = random.nextInt(nodes.size());
      apply(victim, random);
    }

    @Override
    public final void stop(Cluster c) {
      if (victim >= 0) {
        int host = victim;
        victim = -1;
        heal(host);
      }
    }

    @Override
    public final String describe() {
      return victim < 0 ? "none" : fault(victim);
    }

    @Override
    public final boolean isActive() {
      return victim >= 0;
    }

    @Override
    public final Set<Integer> affectedHosts() {
      return victim < 0 ? Set.of() : Set.of(victim);
    }

    @Override
    public final boolean supported(Cluster c) {
      return true;
    }
  }

  /** SIGKILL of one order-service node in the middle of its writes; restarted on stop. */
  static final class KillNode extends ServiceNemesis {
    KillNode(ServiceNodes nodes) {
      super(nodes);
    }

    @Override
    public String name() {
      return "kill-node";
    }

    @Override
    void apply(int host, Random random) {
      nodes.kill(host);
    }

    @Override
    void heal(int host) {
      nodes.start(host);
      nodes.awaitReady(host);
    }

    @Override
    String fault(int host) {
      return "kill -9 " + ServiceNodes.name(host);
    }
  }

  /**
   * The node's journal alone holds its acknowledged writes when it dies: its host is cut off from
   * every other host (its etcd member is then a minority, so the node degrades, and no push can
   * reach a peer), the node takes provisional writes for {@value #DEGRADED_MILLIS} ms, is killed
   * with SIGKILL, and is restarted while still cut off. Stop heals the partition. A journal that
   * lost an acknowledged write shows as {@code no-lost: invalid}.
   */
  static final class KillNodeIsolated implements Nemesis {
    static final long DEGRADED_MILLIS = 2_500;
    private final ServiceNodes nodes;
    private int victim = -1;
    private @Nullable Fault fault;

    KillNodeIsolated(ServiceNodes nodes) {
      this.nodes = nodes;
    }

    @Override
    public String name() {
      return "kill-node-isolated";
    }

    @Override
    public synchronized void start(Cluster c, Random random) {
      int host = random.nextInt(nodes.size());
      fault = c.network().partition(List.of(Set.of(host), others(nodes.size(), host)));
      victim = host;
      try {
        Thread.sleep(DEGRADED_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      nodes.kill(host);
      nodes.start(host);
      nodes.awaitReady(host);
    }

    @Override
    public synchronized void stop(Cluster c) {
      if (fault != null) {
        c.network().remove(fault);
        fault = null;
      }
      victim = -1;
    }

    @Override
    public synchronized String describe() {
      return victim < 0
          ? "none"
          : "isolate h"
              + (victim + 1)
              + ", kill -9 "
              + ServiceNodes.name(victim)
              + " after "
              + DEGRADED_MILLIS
              + " ms, restart it isolated";
    }

    @Override
    public boolean supported(Cluster c) {
      return c.network().supports();
    }

    @Override
    public synchronized boolean isActive() {
      return victim >= 0;
    }

    @Override
    public synchronized Set<Integer> affectedHosts() {
      return victim < 0 ? Set.of() : Set.of(victim);
    }

    private static Set<Integer> others(int n, int host) {
      Set<Integer> out = new java.util.TreeSet<>();
      for (int i = 0; i < n; i++) {
        if (i != host) {
          out.add(i);
        }
      }
      return out;
    }
  }

  /** One node's clock 5 s ahead (more than the 1 s maximum offset peers accept). */
  static final class ClockSkew extends ServiceNemesis {
    static final long OFFSET_MILLIS = 5_000;

    ClockSkew(ServiceNodes nodes) {
      super(nodes);
    }

    @Override
    public String name() {
      return "clock-skew";
    }

    @Override
    void apply(int host, Random random) {
      set(host, OFFSET_MILLIS);
    }

    @Override
    void heal(int host) {
      set(host, 0);
    }

    @Override
    String fault(int host) {
      return ServiceNodes.name(host) + " clock +" + OFFSET_MILLIS + " ms";
    }

    private void set(int host, long millis) {
      try {
        if (!nodes.client(host).clockOffset(millis).get(5, TimeUnit.SECONDS).ok()) {
          throw new IllegalStateException("clock offset refused by " + ServiceNodes.name(host));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("could not set the clock of " + ServiceNodes.name(host), e);
      }
    }
  }

  /**
   * Disk corruption, as jepsen-io/etcd's {@code bitflip-wal} does it: a node that is settled
   * (STRONG, nothing to reconcile, so everything it acknowledged is in etcd) is killed with
   * SIGKILL, one bit is flipped at each of {@value #FLIPS} random offsets of its journal log past
   * the file header, and the node is restarted on stop. The journal must notice (a damaged middle
   * is quarantined and compacted away, a damaged last entry is cut as a torn tail) and the node
   * must refill from etcd and its peers: the {@code journal-damage} check reads the restarted
   * node's log for either, and the other checks hold it to serving nothing the flips made up.
   */
  static final class BitflipJournal extends ServiceNemesis {
    static final int FLIPS = 4;

    /** The journal log's file header (magic, generation, base sequence, CRC): left alone. */
    static final int LOG_HEADER_BYTES = 28;

    static final Duration SETTLE = Duration.ofSeconds(15);

    /** What the journal logs when it finds damage at start (JournalStore). */
    static final List<String> DETECTED = List.of("is damaged", "cut a torn tail");

    /** One corruption and what the restarted node said about it. */
    record Flip(String node, String file, List<Long> offsets, String found) {}

    private final List<Flip> flips = new CopyOnWriteArrayList<>();
    private String file = "";
    private List<Long> offsets = List.of();

    BitflipJournal(ServiceNodes nodes) {
      super(nodes);
    }

    @Override
    public String name() {
      return "bitflip-journal";
    }

    @Override
    void apply(int host, Random random) {
      awaitSettled(host);
      nodes.kill(host);
      Path dir = nodes.dataDir(host);
      try {
        String gen = Files.readString(dir.resolve("CURRENT"), StandardCharsets.US_ASCII).trim();
        Path log = dir.resolve("log-" + gen + ".wal");
        long size = Files.size(log);
        List<Long> at = new ArrayList<>();
        try (FileChannel ch =
            FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          for (int i = 0; i < FLIPS && size > LOG_HEADER_BYTES; i++) {
            long pos = LOG_HEADER_BYTES + (long) (random.nextDouble() * (size - LOG_HEADER_BYTES));
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, pos);
            b.put(0, (byte) (b.get(0) ^ (1 << random.nextInt(8))));
            ch.write(b.rewind(), pos);
            at.add(pos);
          }
          ch.force(true);
        }
        file = log.getFileName() + " (" + size + " bytes)";
        offsets = List.copyOf(at);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "could not flip bits in the journal of " + ServiceNodes.name(host), e);
      }
    }

    @Override
    void heal(int host) {
      if (nodes.isAlive(host)) {
        return; // it never settled, so it was neither killed nor corrupted
      }
      nodes.start(host);
      nodes.awaitReady(host);
      if (offsets.isEmpty()) {
        return;
      }
      String found = "";
      try {
        for (String line :
            Files.readAllLines(nodes.process(host).logFile(), StandardCharsets.UTF_8)) {
          if (DETECTED.stream().anyMatch(line::contains)) {
            found = line.length() > 300 ? line.substring(0, 300) + "..." : line;
            break;
          }
        }
      } catch (IOException e) {
        found = "";
      }
      flips.add(new Flip(ServiceNodes.name(host), file, offsets, found));
      offsets = List.of();
    }

    @Override
    String fault(int host) {
      return "kill -9 " + ServiceNodes.name(host) + ", flip " + FLIPS + " bits in its journal log";
    }

    /** Waits until the node is STRONG with nothing to reconcile: all it acknowledged is in etcd. */
    private void awaitSettled(int host) {
      long deadline = System.nanoTime() + SETTLE.toNanos();
      String last = "no answer";
      while (System.nanoTime() < deadline) {
        try {
          var r = nodes.client(host).mode().get(2, TimeUnit.SECONDS);
          if (r.ok()
              && r.body().path("mode").asText().equals("STRONG")
              && r.body().path("backlog").asInt(-1) == 0) {
            return;
          }
          last = r.body().toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
          last = e.toString();
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      // Corrupting the only copy of a provisional write would lose it by design, not by a defect.
      throw new IllegalStateException(
          ServiceNodes.name(host)
              + " did not settle within "
              + SETTLE
              + " (its journal may hold the only copy of a write); not corrupting it: "
              + last);
    }

    /**
     * Valid when every corrupted journal was reported at the restart; invalid if one opened as if
     * intact; unknown if no bits were flipped.
     */
    CheckResult result() {
      Map<String, Object> d = new LinkedHashMap<>();
      List<Map<String, Object>> each = new ArrayList<>();
      List<String> silent = new ArrayList<>();
      for (Flip f : flips) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", f.node());
        m.put("file", f.file());
        m.put("offsets", f.offsets());
        m.put("reported", f.found().isEmpty() ? "NOTHING" : f.found());
        each.add(m);
        if (f.found().isEmpty()) {
          silent.add(f.node() + " " + f.file() + " at " + f.offsets());
        }
      }
      d.put("corruptions", each);
      if (flips.isEmpty()) {
        d.put("why-unknown", "no journal was corrupted (the fault never completed)");
        return CheckResult.of(Validity.UNKNOWN, d);
      }
      if (!silent.isEmpty()) {
        d.put("opened-as-if-intact", silent);
        return CheckResult.of(Validity.INVALID, d);
      }
      return CheckResult.of(Validity.VALID, d);
    }
  }
}
