package org.hybridstore.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hybridstore.OpId;
import org.hybridstore.OrderLimits;

/**
 * The op ids a record has applied, bounded to the {@link OrderLimits#OP_ID_RETENTION} most recent
 * ones (by stamp). Each entry keeps a fingerprint of the command, so a reused op id with a
 * different command is recognised.
 *
 * <p>Merge is a join: union, keeping for each op id the entry with the later stamp, then the
 * newest {@code OP_ID_RETENTION} entries. An entry dropped by one merge could never have survived
 * a later one either (as many newer entries exist), so the result does not depend on the order of
 * merges, and no op id within the retention bound is lost.
 *
 * @param entries op id to entry
 */
public record AppliedOps(SortedMap<OpId, Entry> entries) {
  /** No op applied yet. */
  public static final AppliedOps EMPTY = new AppliedOps(new TreeMap<>());

  /** Newest first; op id breaks ties so the cut is deterministic. */
  private static final Comparator<Map.Entry<OpId, Entry>> NEWEST_FIRST =
      Comparator.<Map.Entry<OpId, Entry>, Stamp>comparing(e -> e.getValue().stamp())
          .thenComparing(Map.Entry::getKey)
          .reversed();

  /**
   * One applied command.
   *
   * @param fingerprint the command's fingerprint ({@link CommandFingerprint})
   * @param stamp when it was applied, and where
   */
  public record Entry(String fingerprint, Stamp stamp) {
    Entry later(Entry other) {
      int c = stamp.compareTo(other.stamp);
      if (c == 0) {
        c = fingerprint.compareTo(other.fingerprint);
      }
      return c >= 0 ? this : other;
    }
  }

  /** Copies the map and applies the retention bound. */
  public AppliedOps {
    entries = Collections.unmodifiableSortedMap(retain(entries));
  }

  /**
   * Returns the entry for an op id, if it is remembered.
   *
   * @param opId the op id
   * @return its entry
   */
  public Optional<Entry> get(OpId opId) {
    return Optional.ofNullable(entries.get(opId));
  }

  /**
   * Returns these entries plus one.
   *
   * @param opId the applied op id
   * @param entry its entry
   * @return the new set
   */
  public AppliedOps with(OpId opId, Entry entry) {
    TreeMap<OpId, Entry> next = new TreeMap<>(entries);
    next.merge(opId, entry, Entry::later);
    return new AppliedOps(next);
  }

  /**
   * Returns the join of both sets.
   *
   * @param other the other replica's set
   * @return the join
   */
  public AppliedOps merge(AppliedOps other) {
    TreeMap<OpId, Entry> next = new TreeMap<>(entries);
    other.entries.forEach((op, e) -> next.merge(op, e, Entry::later));
    return new AppliedOps(next);
  }

  private static SortedMap<OpId, Entry> retain(Map<OpId, Entry> all) {
    if (all.size() <= OrderLimits.OP_ID_RETENTION) {
      return new TreeMap<>(all);
    }
    List<Map.Entry<OpId, Entry>> sorted = new ArrayList<>(new HashMap<>(all).entrySet());
    sorted.sort(NEWEST_FIRST);
    TreeMap<OpId, Entry> kept = new TreeMap<>();
    for (Map.Entry<OpId, Entry> e : sorted.subList(0, OrderLimits.OP_ID_RETENTION)) {
      kept.put(e.getKey(), e.getValue());
    }
    return kept;
  }
}
