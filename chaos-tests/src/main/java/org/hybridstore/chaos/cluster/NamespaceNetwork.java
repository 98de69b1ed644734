package org.hybridstore.chaos.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network faults in NAMESPACES mode.
 *
 * <p>Design: the list of active faults is the only state. After every change the affected host
 * namespaces get their filter table replaced by {@link FirewallRules#render} in one {@code
 * iptables-restore} (atomic per host), and their root qdisc set to the newest rate limit or back to
 * the default; the rule count is then read back and compared. If applying fails, the fault is
 * dropped from the list and the host is re-synced, so the list never claims a fault the kernel does
 * not have.
 */
// Parsing command output, whose trailing empty fields are meant to go.
@SuppressWarnings("StringSplitter")
final class NamespaceNetwork implements Network {

  private static final Logger LOG = LoggerFactory.getLogger(NamespaceNetwork.class);

  private final List<Host> hosts;
  private final List<String> addresses;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Fault> faults = new ArrayList<>();
  private final AtomicLong ids = new AtomicLong();

  NamespaceNetwork(List<Host> hosts) {
    this.hosts = List.copyOf(hosts);
    this.addresses = hosts.stream().map(Host::address).toList();
    for (Host h : hosts) {
      if (h.netns() == null) {
        throw new IllegalArgumentException("host " + h.name() + " has no namespace");
      }
    }
  }

  @Override
  public boolean supports() {
    return true;
  }

  @Override
  public Fault partition(Collection<Set<Integer>> components) {
    Map<Integer, Set<Integer>> grudge = FirewallRules.grudgeOf(components, hosts.size());
    return add(
        new Fault.Cut(
            ids.incrementAndGet(), grudge, "partition " + FirewallRules.components(components)));
  }

  @Override
  public Fault cut(Map<Integer, Set<Integer>> grudge, String shape) {
    grudge.forEach(
        (h, peers) -> {
          FirewallRules.requireHost(h, hosts.size());
          for (int p : peers) {
            FirewallRules.requireHost(p, hosts.size());
            if (p == h) {
              throw new IllegalArgumentException(
                  "host " + Naming.hostName(h) + " cannot cut itself");
            }
          }
        });
    return add(new Fault.Cut(ids.incrementAndGet(), grudge, shape));
  }

  @Override
  public Fault blockPorts(int fromHost, Set<Integer> toHosts, int... ports) {
    FirewallRules.requireHost(fromHost, hosts.size());
    toHosts.forEach(h -> FirewallRules.requireHost(h, hosts.size()));
    if (toHosts.isEmpty()) {
      throw new IllegalArgumentException("toHosts must not be empty");
    }
    Set<Integer> distinct = new TreeSet<>();
    for (int p : ports) {
      Host.requirePort(p, "port");
      distinct.add(p);
    }
    if (distinct.isEmpty() || distinct.size() > 15) {
      throw new IllegalArgumentException("give 1..15 ports: " + Arrays.toString(ports));
    }
    return add(
        new Fault.BlockPorts(ids.incrementAndGet(), fromHost, toHosts, List.copyOf(distinct)));
  }

  @Override
  public Fault oneWay(int from, int to) {
    return oneWay(from, Set.of(to));
  }

  @Override
  public Fault oneWay(int from, Set<Integer> to) {
    FirewallRules.requireHost(from, hosts.size());
    to.forEach(h -> FirewallRules.requireHost(h, hosts.size()));
    if (to.isEmpty() || to.contains(from)) {
      throw new IllegalArgumentException(
          "one-way needs other hosts as targets: " + from + " -> " + to);
    }
    return add(new Fault.OneWay(ids.incrementAndGet(), from, to));
  }

  @Override
  public Fault randomLoss(int host, double probability) {
    FirewallRules.requireHost(host, hosts.size());
    FirewallRules.probability(probability);
    return add(new Fault.RandomLoss(ids.incrementAndGet(), host, probability));
  }

  @Override
  public Fault rateLimit(int host, String rate) {
    FirewallRules.requireHost(host, hosts.size());
    FirewallRules.requireRate(rate);
    return add(new Fault.RateLimit(ids.incrementAndGet(), host, rate));
  }

  private Fault add(Fault fault) {
    lock.lock();
    try {
      faults.add(fault);
      try {
        sync(fault.hosts());
      } catch (RuntimeException e) {
        faults.remove(fault);
        try {
          sync(fault.hosts());
        } catch (RuntimeException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
      LOG.info("fault {} in place: {}", fault.id(), fault.describe());
      return fault;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void remove(Fault fault) {
    lock.lock();
    try {
      if (faults.remove(fault)) {
        sync(fault.hosts());
        LOG.info("fault {} lifted: {}", fault.id(), fault.describe());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void heal() {
    lock.lock();
    try {
      faults.clear();
      Set<Integer> all = new HashSet<>();
      for (int h = 0; h < hosts.size(); h++) {
        all.add(h);
      }
      List<String> problems = new ArrayList<>();
      for (int h : all) {
        try {
          sync(Set.of(h));
        } catch (RuntimeException e) {
          problems.add(e.getMessage());
        }
      }
      for (int h : all) {
        int rules = ruleCount(h);
        String qdisc = rootQdisc(h);
        if (rules != 0 || "tbf".equals(qdisc)) {
          problems.add(
              hosts.get(h).name() + " still has " + rules + " rules and root qdisc " + qdisc);
        }
      }
      if (!problems.isEmpty()) {
        throw new ClusterException("heal left faults behind: " + problems);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Fault> activeFaults() {
    lock.lock();
    try {
      return List.copyOf(faults);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int ruleCount(int host) {
    FirewallRules.requireHost(host, hosts.size());
    String saved =
        Exec.run(
                List.of(
                    "ip",
                    "netns",
                    "exec",
                    hosts.get(host).netns(),
                    "iptables-save",
                    "-t",
                    "filter"))
            .orThrow()
            .stdout();
    return (int) saved.lines().filter(l -> l.startsWith("-A ")).count();
  }

  @Override
  public String rootQdisc(int host) {
    FirewallRules.requireHost(host, hosts.size());
    String out =
        Exec.run(
                List.of(
                    "tc",
                    "-n",
                    hosts.get(host).netns(),
                    "qdisc",
                    "show",
                    "dev",
                    Naming.HOST_IF,
                    "root"))
            .orThrow()
            .stdout()
            .strip();
    // "qdisc noqueue 0: root refcnt 2" or "qdisc tbf 8001: root refcnt 2 rate 128Kbit ..."
    String[] words = out.split("\\s+");
    return words.length >= 2 ? words[1] : "";
  }

  /** Brings the given hosts' kernel state in line with the fault list. Caller holds the lock. */
  private void sync(Set<Integer> affected) {
    for (int h : new TreeSet<>(affected)) {
      Host host = hosts.get(h);
      String table = FirewallRules.render(h, faults, addresses);
      Exec.run(
              List.of("ip", "netns", "exec", host.netns(), "iptables-restore", "-w", "5"),
              table,
              Exec.DEFAULT_TIMEOUT)
          .orThrow();
      int expected = FirewallRules.rules(h, faults, addresses).size();
      int actual = ruleCount(h);
      if (actual != expected) {
        throw new ClusterException(
            host.name()
                + ": expected "
                + expected
                + " iptables rules after restore, found "
                + actual);
      }
      Optional<String> rate = FirewallRules.rateLimit(h, faults);
      if (rate.isPresent()) {
        List<String> cmd = new ArrayList<>(List.of("tc", "-n", host.netns()));
        cmd.addAll(FirewallRules.tbfCommand(rate.get()));
        Exec.run(cmd).orThrow();
      } else if ("tbf".equals(rootQdisc(h))) {
        Exec.run(List.of("tc", "-n", host.netns(), "qdisc", "del", "dev", Naming.HOST_IF, "root"))
            .orThrow();
      }
    }
  }
}
