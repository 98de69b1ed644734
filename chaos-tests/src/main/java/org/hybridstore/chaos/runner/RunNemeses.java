package org.hybridstore.chaos.runner;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.chaos.cluster.Fault;
import org.hybridstore.chaos.nemesis.Nemeses;
import org.hybridstore.chaos.nemesis.Nemesis;

/**
 * The run's nemeses: the cluster nemeses by name, plus the ones that need the order-service nodes
 * ({@code kill-node}: SIGKILL a service node mid-write and restart it on stop; {@code
 * kill-node-isolated}: cut a host off from every other host, so its node degrades and its
 * acknowledged writes can reach no peer, then SIGKILL that node, restart it while still cut off,
 * and heal; {@code clock-skew}: move one node's clock ahead through its injectable time source).
 * {@code all} selects every nemesis the cluster supports; a nemesis named explicitly that this
 * cluster cannot run is an error, never a silent skip.
 */
final class RunNemeses {
  static final List<String> SERVICE_NEMESES = List.of("kill-node", "kill-node-isolated", "clock-skew");

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
  static List<Nemesis> resolve(List<String> names, Cluster cluster, ServiceNodes nodes, PrintStream out) {
    boolean all = names.contains("all");
    List<String> wanted = all ? names() : names;
    List<Nemesis> result = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    for (String name : wanted) {
      Nemesis n = switch (name) {
        case "kill-node" -> new KillNode(nodes);
        case "kill-node-isolated" -> new KillNodeIsolated(nodes);
        case "clock-skew" -> new ClockSkew(nodes);
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
        throw new IllegalArgumentException("nemeses " + unsupported + " need network namespaces, which this run does"
            + " not have (loopback mode); run as root without --loopback, or choose process faults only");
      }
      out.println("--nemesis all in the loopback mode: the network nemeses " + unsupported + " cannot run here");
    }
    return result;
  }

  /** Heals everything any nemesis may have left: network rules, stopped or dead processes, clocks. */
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

    abstract void apply(int host);

    abstract void heal(int host);

    abstract String fault(int host);

    @Override
    public final void start(Cluster c, Random random) {
      victim = random.nextInt(nodes.size());
      apply(victim);
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
    void apply(int host) {
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
    private Fault fault;

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
      return victim < 0 ? "none" : "isolate h" + (victim + 1) + ", kill -9 " + ServiceNodes.name(victim) + " after "
          + DEGRADED_MILLIS + " ms, restart it isolated";
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
    void apply(int host) {
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
}
