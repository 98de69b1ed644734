package org.hybridstore.chaos.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Pure functions from faults to kernel configuration: the complete {@code iptables-restore} input
 * for one host's filter table, the tbf qdisc for a rate limit, and grudges from partition
 * components. The host namespaces belong to the cluster alone, so each update replaces the whole
 * filter table atomically instead of editing it; an empty fault list renders a table with no rules.
 * Every rule carries a comment {@code hs-fault-ID} naming the fault it belongs to.
 */
final class FirewallRules {

  private static final Pattern RATE =
      Pattern.compile("\\d+(\\.\\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)");

  private FirewallRules() {}

  /**
   * The {@code iptables-restore} input (filter table, replacing it) for host {@code host}.
   *
   * @param host the host the table is for
   * @param faults all active faults
   * @param addresses every host's address by index
   */
  static String render(int host, Collection<Fault> faults, List<String> addresses) {
    StringBuilder sb = new StringBuilder();
    sb.append("*filter\n");
    sb.append(":INPUT ACCEPT [0:0]\n");
    sb.append(":FORWARD ACCEPT [0:0]\n");
    sb.append(":OUTPUT ACCEPT [0:0]\n");
    for (String rule : rules(host, faults, addresses)) {
      sb.append(rule).append('\n');
    }
    sb.append("COMMIT\n");
    return sb.toString();
  }

  /** The {@code -A} lines for host {@code host}, in fault order. */
  static List<String> rules(int host, Collection<Fault> faults, List<String> addresses) {
    List<String> rules = new ArrayList<>();
    for (Fault f : faults) {
      String tag = " -m comment --comment hs-fault-" + f.id() + " -j DROP";
      if (f instanceof Fault.Cut cut) {
        for (int peer : sorted(cut.grudge().getOrDefault(host, Set.of()))) {
          rules.add("-A INPUT -s " + addr(addresses, peer) + "/32" + tag);
          rules.add("-A OUTPUT -d " + addr(addresses, peer) + "/32" + tag);
        }
      } else if (f instanceof Fault.OneWay oneWay) {
        if (oneWay.from() == host) {
          for (int peer : sorted(oneWay.to())) {
            rules.add("-A OUTPUT -d " + addr(addresses, peer) + "/32" + tag);
          }
        }
      } else if (f instanceof Fault.BlockPorts block) {
        if (block.from() == host) {
          String ports =
              block.ports().stream().map(String::valueOf).collect(Collectors.joining(","));
          for (int peer : sorted(block.to())) {
            for (String proto : List.of("tcp", "udp")) {
              rules.add(
                  "-A OUTPUT -d "
                      + addr(addresses, peer)
                      + "/32 -p "
                      + proto
                      + " -m multiport --dports "
                      + ports
                      + tag);
            }
          }
        }
      } else if (f instanceof Fault.RandomLoss loss) {
        if (loss.host() == host) {
          String p = probability(loss.probability());
          rules.add(
              "-A INPUT -i "
                  + Naming.HOST_IF
                  + " -m statistic --mode random --probability "
                  + p
                  + tag);
          rules.add(
              "-A OUTPUT -o "
                  + Naming.HOST_IF
                  + " -m statistic --mode random --probability "
                  + p
                  + tag);
        }
      }
      // RateLimit is a qdisc, not a rule
    }
    return rules;
  }

  /** The rate of the rate limit in force on {@code host}: the newest one, if any. */
  static Optional<String> rateLimit(int host, List<Fault> faults) {
    String rate = null;
    for (Fault f : faults) {
      if (f instanceof Fault.RateLimit limit && limit.host() == host) {
        rate = limit.rate();
      }
    }
    return Optional.ofNullable(rate);
  }

  /** The {@code tc} arguments (after {@code tc -n NS}) that install a tbf rate limit. */
  static List<String> tbfCommand(String rate) {
    return List.of(
        "qdisc",
        "replace",
        "dev",
        Naming.HOST_IF,
        "root",
        "tbf",
        "rate",
        requireRate(rate),
        "burst",
        "16kb",
        "latency",
        "500ms");
  }

  static String requireRate(String rate) {
    if (!RATE.matcher(rate).matches()) {
      throw new IllegalArgumentException("rate must look like 128kbit or 1mbit: " + rate);
    }
    return rate;
  }

  static String probability(double p) {
    if (!(p > 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException("probability must be in (0, 1]: " + p);
    }
    return String.format(Locale.ROOT, "%.4f", p);
  }

  /**
   * The symmetric grudge of a partition: every host cannot talk to any host outside its component.
   * Hosts in no component form one extra component.
   *
   * @throws IllegalArgumentException if components overlap or name hosts outside 0..n-1
   */
  static Map<Integer, Set<Integer>> grudgeOf(Collection<Set<Integer>> components, int hostCount) {
    List<Set<Integer>> parts = new ArrayList<>();
    Set<Integer> seen = new TreeSet<>();
    for (Set<Integer> c : components) {
      for (int h : c) {
        requireHost(h, hostCount);
        if (!seen.add(h)) {
          throw new IllegalArgumentException(
              "host " + Naming.hostName(h) + " is in two components: " + components);
        }
      }
      if (!c.isEmpty()) {
        parts.add(Set.copyOf(c));
      }
    }
    Set<Integer> rest = new TreeSet<>();
    for (int h = 0; h < hostCount; h++) {
      if (!seen.contains(h)) {
        rest.add(h);
      }
    }
    if (!rest.isEmpty()) {
      parts.add(rest);
    }
    Map<Integer, Set<Integer>> grudge = new TreeMap<>();
    for (Set<Integer> part : parts) {
      Set<Integer> others = new TreeSet<>();
      for (Set<Integer> other : parts) {
        if (other != part) {
          others.addAll(other);
        }
      }
      for (int h : part) {
        if (!others.isEmpty()) {
          grudge.put(h, Set.copyOf(others));
        }
      }
    }
    return grudge;
  }

  static void requireHost(int host, int hostCount) {
    if (host < 0 || host >= hostCount) {
      throw new IllegalArgumentException(
          "no host with index " + host + " (hosts 0.." + (hostCount - 1) + ")");
    }
  }

  static String components(Collection<Set<Integer>> components) {
    return components.stream()
        .map(
            c ->
                new TreeSet<>(c)
                    .stream().map(Naming::hostName).collect(Collectors.joining(" ", "[", "]")))
        .collect(Collectors.joining(" "));
  }

  private static String addr(List<String> addresses, int host) {
    return addresses.get(host);
  }

  private static List<Integer> sorted(Set<Integer> hosts) {
    return new ArrayList<>(new TreeSet<>(hosts));
  }
}
