package org.hybridstore.chaos.cluster;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A network fault in place, as returned by the {@link Network} methods and listed by {@link
 * Network#activeFaults()}. Pass it to {@link Network#remove(Fault)} to lift just this fault. Hosts
 * are 0-based indexes into {@link Cluster#hosts()}. Immutable.
 */
public sealed interface Fault
    permits Fault.Cut, Fault.OneWay, Fault.BlockPorts, Fault.RandomLoss, Fault.RateLimit {

  /**
   * The id the network gave this fault; unique within one cluster.
   *
   * @return the id
   */
  long id();

  /**
   * The hosts whose namespace holds rules or qdiscs for this fault.
   *
   * @return host indexes
   */
  Set<Integer> hosts();

  /**
   * A one-line description for logs and the report, using host names h1..hN.
   *
   * @return the description
   */
  String describe();

  /**
   * All traffic between host {@code h} and each host in {@code grudge.get(h)} is dropped, in both
   * directions (INPUT from and OUTPUT to the peer's address, inside h's namespace). Traffic to and
   * from the root namespace (the suite's clients) is untouched.
   *
   * @param id the fault id
   * @param grudge host to the hosts it cannot talk to; symmetric when made by {@link
   *     Network#partition}
   * @param shape a short label, e.g. {@code partition [h1] [h2 h3]}
   */
  record Cut(long id, Map<Integer, Set<Integer>> grudge, String shape) implements Fault {
    /** Copies the grudge into a sorted, immutable map. */
    public Cut {
      TreeMap<Integer, Set<Integer>> copy = new TreeMap<>();
      grudge.forEach(
          (k, v) -> {
            if (!v.isEmpty()) {
              copy.put(k, Set.copyOf(new TreeSet<>(v)));
            }
          });
      grudge = Collections.unmodifiableMap(copy);
    }

    @Override
    public Set<Integer> hosts() {
      return grudge.keySet();
    }

    @Override
    public String describe() {
      return shape
          + " (cut: "
          + grudge.entrySet().stream()
              .map(e -> name(e.getKey()) + "x" + names(e.getValue()))
              .collect(Collectors.joining(" "))
          + ")";
    }
  }

  /**
   * Everything host {@code from} sends to the hosts {@code to} is dropped (OUTPUT rules in {@code
   * from}'s namespace). TCP needs both directions, so connections between them fail either way;
   * datagrams from {@code to} still arrive.
   *
   * @param id the fault id
   * @param from the sending host
   * @param to the hosts it can no longer reach
   */
  record OneWay(long id, int from, Set<Integer> to) implements Fault {
    /** Copies the target set. */
    public OneWay {
      to = Set.copyOf(to);
    }

    @Override
    public Set<Integer> hosts() {
      return Set.of(from);
    }

    @Override
    public String describe() {
      return "one-way " + name(from) + " -> " + names(to) + " dropped";
    }
  }

  /**
   * TCP and UDP packets from host {@code from} to the given destination ports of the hosts {@code
   * to} are dropped (OUTPUT rules in {@code from}'s namespace; {@code to} may include {@code from}
   * itself, then its own local connections to those ports fail too).
   *
   * @param id the fault id
   * @param from the sending host
   * @param to the destination hosts
   * @param ports the destination ports
   */
  record BlockPorts(long id, int from, Set<Integer> to, List<Integer> ports) implements Fault {
    /** Copies the collections. */
    public BlockPorts {
      to = Set.copyOf(to);
      ports = List.copyOf(new TreeSet<>(ports));
    }

    @Override
    public Set<Integer> hosts() {
      return Set.of(from);
    }

    @Override
    public String describe() {
      return "block " + name(from) + " -> " + names(to) + " ports " + ports;
    }
  }

  /**
   * Each packet in or out of host {@code host}'s eth0 is dropped with the given probability ({@code
   * iptables -m statistic --mode random}); this includes traffic with the root namespace.
   *
   * @param id the fault id
   * @param host the lossy host
   * @param probability in (0, 1]
   */
  record RandomLoss(long id, int host, double probability) implements Fault {
    @Override
    public Set<Integer> hosts() {
      return Set.of(host);
    }

    @Override
    public String describe() {
      return "random loss " + Math.round(probability * 100) + "% on " + name(host);
    }
  }

  /**
   * Host {@code host}'s egress on eth0 is limited by a tbf qdisc to {@code rate}.
   *
   * @param id the fault id
   * @param host the slow host
   * @param rate a tc rate such as {@code 128kbit}
   */
  record RateLimit(long id, int host, String rate) implements Fault {
    @Override
    public Set<Integer> hosts() {
      return Set.of(host);
    }

    @Override
    public String describe() {
      return "rate limit " + rate + " on " + name(host) + " egress";
    }
  }

  private static String name(int host) {
    return Naming.hostName(host);
  }

  private static String names(Set<Integer> hosts) {
    return new TreeSet<>(hosts)
        .stream().map(Fault::name).collect(Collectors.joining(" ", "[", "]"));
  }
}
