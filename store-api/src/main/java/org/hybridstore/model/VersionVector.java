package org.hybridstore.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;

/**
 * One counter per node that ever wrote a record: how many of that node's writes the record
 * includes. Merged by pointwise maximum. Comparing two vectors tells whether one replica has seen
 * everything the other has ({@link Order#BEFORE} / {@link Order#AFTER}) or whether they took writes
 * independently ({@link Order#CONCURRENT}).
 *
 * <p>Replicas decide "equal" by content, not by vector: the vector is causality metadata and the
 * order's user-visible {@link #sum() version}.
 *
 * @param counters the counters, all positive
 */
public record VersionVector(SortedMap<NodeId, Long> counters) {
  /** The vector of a record nobody wrote yet. */
  public static final VersionVector EMPTY = new VersionVector(new TreeMap<>());

  /** How two vectors relate. */
  public enum Order {
    /** Same counters. */
    EQUAL,
    /** This one is dominated: the other has seen everything this one has, and more. */
    BEFORE,
    /** This one dominates. */
    AFTER,
    /** Each has counters the other lacks. */
    CONCURRENT
  }

  /** Copies and validates the counters. */
  public VersionVector {
    for (Map.Entry<NodeId, Long> e : counters.entrySet()) {
      if (e.getValue() == null || e.getValue() <= 0) {
        throw new InvalidInputException(
            "versionVector", "counter of " + e.getKey() + " must be positive");
      }
    }
    counters = Collections.unmodifiableSortedMap(new TreeMap<>(counters));
  }

  /**
   * Returns the vector with {@code node}'s counter one higher.
   *
   * @param node the writing node
   * @return the new vector
   */
  public VersionVector increment(NodeId node) {
    TreeMap<NodeId, Long> next = new TreeMap<>(counters);
    next.merge(node, 1L, Long::sum);
    return new VersionVector(next);
  }

  /**
   * Returns the pointwise maximum of both vectors.
   *
   * @param other the other vector
   * @return the join
   */
  public VersionVector merge(VersionVector other) {
    TreeMap<NodeId, Long> next = new TreeMap<>(counters);
    other.counters.forEach((node, count) -> next.merge(node, count, Math::max));
    return new VersionVector(next);
  }

  /**
   * Returns whether this vector has seen everything {@code other} has: whether {@code merge(other)}
   * would equal it. Builds nothing.
   *
   * @param other the other vector
   * @return true if every counter of {@code other} is here, at least as high
   */
  public boolean includes(VersionVector other) {
    for (Map.Entry<NodeId, Long> e : other.counters.entrySet()) {
      Long mine = counters.get(e.getKey());
      if (mine == null || mine < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Compares the two vectors.
   *
   * @param other the other vector
   * @return how this one relates to it
   */
  public Order compare(VersionVector other) {
    boolean less = false;
    boolean greater = false;
    TreeMap<NodeId, Long> keys = new TreeMap<>(counters);
    other.counters.keySet().forEach(k -> keys.putIfAbsent(k, 0L));
    for (NodeId node : keys.keySet()) {
      long mine = counters.getOrDefault(node, 0L);
      long theirs = other.counters.getOrDefault(node, 0L);
      less |= mine < theirs;
      greater |= mine > theirs;
    }
    if (less && greater) {
      return Order.CONCURRENT;
    }
    return less ? Order.BEFORE : greater ? Order.AFTER : Order.EQUAL;
  }

  /**
   * Returns the nodes whose counter here is higher than in {@code other}: the writers of what this
   * vector has seen and {@code other} has not.
   *
   * @param other the other vector
   * @return those nodes, in id order (empty if {@code other} has seen everything this one has)
   */
  public SortedSet<NodeId> aheadOf(VersionVector other) {
    TreeSet<NodeId> out = new TreeSet<>();
    counters.forEach(
        (node, count) -> {
          if (count > other.counters.getOrDefault(node, 0L)) {
            out.add(node);
          }
        });
    return Collections.unmodifiableSortedSet(out);
  }

  /** Returns the sum of all counters: grows with every write and every merge that adds one. */
  public long sum() {
    long s = 0;
    for (long c : counters.values()) {
      s += c;
    }
    return s;
  }
}
