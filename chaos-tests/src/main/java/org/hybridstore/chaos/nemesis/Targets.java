package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/** How many members a process nemesis hits, and random choice of hosts. */
enum Targets {
  /** One member: the cluster keeps quorum. */
  ONE,
  /** A majority ({@code n/2 + 1}): quorum is lost. */
  MAJORITY,
  /** Every member. */
  ALL;

  int count(int hosts) {
    return switch (this) {
      case ONE -> 1;
      case MAJORITY -> hosts / 2 + 1;
      case ALL -> hosts;
    };
  }

  /** {@link #count} distinct random hosts out of {@code hosts}, sorted. */
  Set<Integer> pick(int hosts, Random random) {
    return randomHosts(hosts, count(hosts), random);
  }

  static Set<Integer> randomHosts(int hosts, int k, Random random) {
    if (k < 0 || k > hosts) {
      throw new IllegalArgumentException("cannot pick " + k + " of " + hosts + " hosts");
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      all.add(i);
    }
    Collections.shuffle(all, random);
    return Collections.unmodifiableSet(new TreeSet<>(all.subList(0, k)));
  }

  /** Every host except {@code host}. */
  static Set<Integer> others(int hosts, int host) {
    Set<Integer> result = new TreeSet<>();
    for (int i = 0; i < hosts; i++) {
      if (i != host) {
        result.add(i);
      }
    }
    return Collections.unmodifiableSet(result);
  }

  static Set<Integer> all(int hosts) {
    Set<Integer> result = new TreeSet<>();
    for (int i = 0; i < hosts; i++) {
      result.add(i);
    }
    return Collections.unmodifiableSet(result);
  }
}
