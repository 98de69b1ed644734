package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Pure partition shapes over hosts {@code 0..n-1}, as components (hosts in different components
 * cannot talk) or as a grudge (host to the hosts it cannot talk to, symmetric).
 */
final class PartitionShapes {

  private PartitionShapes() {}

  /** {@code host} alone against everyone else. */
  static List<Set<Integer>> isolate(int hosts, int host) {
    return List.of(Set.of(host), Targets.others(hosts, host));
  }

  /** A random split into {@code n/2} and {@code n - n/2} hosts (1 vs 2 for three hosts). */
  static List<Set<Integer>> halves(int hosts, Random random) {
    if (hosts < 2) {
      throw new IllegalArgumentException("halves need at least 2 hosts: " + hosts);
    }
    List<Integer> order = shuffled(hosts, random);
    return List.of(
        Collections.unmodifiableSet(new TreeSet<>(order.subList(0, hosts / 2))),
        Collections.unmodifiableSet(new TreeSet<>(order.subList(hosts / 2, hosts))));
  }

  /**
   * A majorities ring. The hosts are placed on a ring in random order and each host keeps only its
   * two ring neighbours. For 4 and 5 hosts every host then sees a majority (itself and two
   * neighbours, 3 of 4 or 3 of 5) and no two hosts see the same majority (Jepsen's {@code
   * majorities-ring}).
   *
   * <p>With 3 hosts both neighbours are everyone, so a true ring cannot be built with symmetric
   * cuts; the sensible variant is the bridge: two random hosts cannot talk to each other and the
   * third (the bridge) talks to both. Each host still sees a majority ({a, bridge} and {bridge,
   * c}), and those two majorities differ; only the bridge sees everyone.
   *
   * @throws IllegalArgumentException for fewer than 3 hosts
   */
  static Map<Integer, Set<Integer>> ring(int hosts, Random random) {
    if (hosts < 3) {
      throw new IllegalArgumentException("a majorities ring needs at least 3 hosts: " + hosts);
    }
    List<Integer> order = shuffled(hosts, random);
    Map<Integer, Set<Integer>> grudge = new TreeMap<>();
    if (hosts == 3) {
      int a = order.get(0);
      int c = order.get(2);
      grudge.put(a, Set.of(c));
      grudge.put(c, Set.of(a));
      return grudge;
    }
    for (int pos = 0; pos < hosts; pos++) {
      int host = order.get(pos);
      Set<Integer> cut = new TreeSet<>();
      for (int other = 0; other < hosts; other++) {
        int distance = Math.abs(pos - other);
        distance = Math.min(distance, hosts - distance);
        if (distance > 1) {
          cut.add(order.get(other));
        }
      }
      if (!cut.isEmpty()) {
        grudge.put(host, Collections.unmodifiableSet(cut));
      }
    }
    return grudge;
  }

  /** The hosts each host can still see (itself included) under a grudge. */
  static Map<Integer, Set<Integer>> visible(int hosts, Map<Integer, Set<Integer>> grudge) {
    Map<Integer, Set<Integer>> result = new TreeMap<>();
    for (int h = 0; h < hosts; h++) {
      Set<Integer> cut = grudge.getOrDefault(h, Set.of());
      result.put(
          h,
          Targets.all(hosts).stream()
              .filter(o -> !cut.contains(o))
              .collect(Collectors.toCollection(TreeSet::new)));
    }
    return result;
  }

  private static List<Integer> shuffled(int hosts, Random random) {
    List<Integer> order = new ArrayList<>(Targets.all(hosts));
    Collections.shuffle(order, random);
    return order;
  }
}
