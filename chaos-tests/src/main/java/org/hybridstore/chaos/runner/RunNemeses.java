package org.hybridstore.chaos.runner;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.chaos.nemesis.Nemeses;
import org.hybridstore.chaos.nemesis.Nemesis;

/**
 * The run's nemeses: the cluster nemeses by name, plus the two that need the order-service nodes
 * ({@code kill-node}: SIGKILL a service node mid-write and restart it on stop; {@code clock-skew}:
 * move one node's clock ahead through its injectable time source). {@code all} selects every
 * nemesis the cluster supports.
 */
final class RunNemeses {
  static final List<String> SERVICE_NEMESES = List.of("kill-node", "clock-skew");

  private RunNemeses() {}

  static List<String> names() {
    List<String> names = new ArrayList<>(Nemeses.names());
    names.addAll(SERVICE_NEMESES);
    return names;
  }

  static List<Nemesis> resolve(List<String> names, Cluster cluster, ServiceNodes nodes, PrintStream out) {
    List<String> wanted = names.contains("all") ? names() : names;
    List<Nemesis> result = new ArrayList<>();
    for (String name : wanted) {
      Nemesis n = switch (name) {
        case "kill-node" -> new KillNode(nodes);
        case "clock-skew" -> new ClockSkew(nodes);
        default -> Nemeses.byName(name);
      };
      if (n.supported(cluster)) {
        result.add(n);
      } else {
        out.println("nemesis " + name + " is not supported on this cluster (reduced loopback mode); skipped");
      }
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

  /** SIGKILL of one order-service node in the middle of its writes; restarted on stop. */
  static final class KillNode implements Nemesis {
    private final ServiceNodes nodes;
    private int victim = -1;

    KillNode(ServiceNodes nodes) {
      this.nodes = nodes;
    }

    @Override
    public String name() {
      return "kill-node";
    }

    @Override
    public void start(Cluster c, Random random) {
      victim = random.nextInt(nodes.size());
      nodes.kill(victim);
    }

    @Override
    public void stop(Cluster c) {
      if (victim >= 0) {
        nodes.start(victim);
        nodes.awaitReady(victim);
        victim = -1;
      }
    }

    @Override
    public String describe() {
      return victim < 0 ? "none" : "kill -9 " + ServiceNodes.name(victim);
    }

    @Override
    public boolean isActive() {
      return victim >= 0;
    }

    @Override
    public Set<Integer> affectedHosts() {
      return victim < 0 ? Set.of() : Set.of(victim);
    }

    @Override
    public boolean supported(Cluster c) {
      return true;
    }
  }

  /** One node's clock 5 s ahead (more than the 1 s maximum offset peers accept). */
  static final class ClockSkew implements Nemesis {
    static final long OFFSET_MILLIS = 5_000;
    private final ServiceNodes nodes;
    private int victim = -1;

    ClockSkew(ServiceNodes nodes) {
      this.nodes = nodes;
    }

    @Override
    public String name() {
      return "clock-skew";
    }

    @Override
    public void start(Cluster c, Random random) {
      victim = random.nextInt(nodes.size());
      set(victim, OFFSET_MILLIS);
    }

    @Override
    public void stop(Cluster c) {
      if (victim >= 0) {
        set(victim, 0);
        victim = -1;
      }
    }

    private void set(int host, long millis) {
      try {
        if (!nodes.client(host).clockOffset(millis).get(5, TimeUnit.SECONDS).ok()) {
          throw new IllegalStateException("clock offset refused by " + ServiceNodes.name(host));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (Exception e) {
        throw new IllegalStateException("could not set the clock of " + ServiceNodes.name(host), e);
      }
    }

    @Override
    public String describe() {
      return victim < 0 ? "none" : ServiceNodes.name(victim) + " clock +" + OFFSET_MILLIS + " ms";
    }

    @Override
    public boolean isActive() {
      return victim >= 0;
    }

    @Override
    public Set<Integer> affectedHosts() {
      return victim < 0 ? Set.of() : Set.of(victim);
    }

    @Override
    public boolean supported(Cluster c) {
      return true;
    }
  }
}
