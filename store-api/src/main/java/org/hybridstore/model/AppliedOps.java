package org.hybridstore.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hybridstore.OpId;
import org.hybridstore.OrderLimits;

/**
 * The op ids a record has applied, bounded to the {@link OrderLimits#OP_ID_RETENTION} most recent
 * ones (by stamp). A record keeps each op id as its 64-bit {@link OpId#key() key} (a collision of
 * two op ids of one order is a 1 in 2^64 event) with a fingerprint of the command, so a reused op
 * id with a different command is recognised; that keeps a full record near 2 KB of op ids.
 *
 * <p>Merge is a join: union, keeping for each key the entry with the later stamp, then the newest
 * {@code OP_ID_RETENTION} entries. An entry dropped by one merge could never have survived a later
 * one either (as many newer entries exist), so the result does not depend on the order of merges,
 * and no op id within the retention bound is lost.
 *
 * @param entries op id key to entry
 */
public record AppliedOps(SortedMap<Long, Entry> entries) {
  /** No op applied yet. */
  public static final AppliedOps EMPTY = new AppliedOps(new TreeMap<>());

  /**
   * Newest first: the later stamp, then the larger key (the key breaks ties so the cut is
   * deterministic).
   */
  private static final Comparator<Map.Entry<Long, Entry>> NEWEST_FIRST =
      (a, b) -> {
        int c = b.getValue().stamp().compareTo(a.getValue().stamp());
        return c != 0 ? c : Long.compare(b.getKey(), a.getKey());
      };

  /**
   * A map this class built itself and handed to the constructor: nobody else holds it, so the
   * constructor keeps it instead of copying it (these maps are copied on every write and merge of
   * every record).
   */
  private static final class Owned extends TreeMap<Long, Entry> {
    private static final long serialVersionUID = 1L;

    Owned() {}

    /**
     * A copy in natural key order, whatever order {@code from} keeps (linear when it is sorted).
     */
    Owned(Map<Long, Entry> from) {
      putAll(from);
    }
  }

  /**
   * One applied command.
   *
   * @param fingerprint the command's fingerprint ({@link CommandFingerprint})
   * @param stamp when it was applied, and where
   */
  public record Entry(long fingerprint, Stamp stamp) {
    Entry later(Entry other) {
      return atLeast(other) ? this : other;
    }

    /**
     * Whether {@link #later} keeps this entry: its stamp is later, or the same and its fingerprint
     * is at least as large.
     */
    boolean atLeast(Entry other) {
      int c = stamp.compareTo(other.stamp);
      if (c == 0) {
        c = Long.compare(fingerprint, other.fingerprint);
      }
      return c >= 0;
    }
  }

  /** Copies the map and applies the retention bound. */
  public AppliedOps {
    entries =
        Collections.unmodifiableSortedMap(
            entries instanceof Owned owned ? retained(owned) : retain(entries));
  }

  /**
   * Returns the entry for an op id, if it is remembered.
   *
   * @param opId the op id
   * @return its entry
   */
  public Optional<Entry> get(OpId opId) {
    return Optional.ofNullable(entries.get(opId.key()));
  }

  /**
   * Returns whether an op id is remembered.
   *
   * @param opId the op id
   * @return whether it is
   */
  public boolean contains(OpId opId) {
    return entries.containsKey(opId.key());
  }

  /**
   * Returns whether this set crowds an op id's entry out for good: it holds {@link
   * OrderLimits#OP_ID_RETENTION} entries of other op ids that rank above it (a later stamp, or the
   * same stamp and a larger key). Every join and every {@link #with} keeps the newest entries only,
   * so no record that descends from this one by them can hold the entry.
   *
   * @param opId the op id
   * @param entry its entry
   * @return whether no descendant of this set can hold it
   */
  public boolean crowdsOut(OpId opId, Entry entry) {
    long key = opId.key();
    int above = 0;
    for (Map.Entry<Long, Entry> e : entries.entrySet()) {
      if (e.getKey() == key) {
        continue;
      }
      int c = e.getValue().stamp().compareTo(entry.stamp());
      if (c > 0 || (c == 0 && e.getKey() > key)) {
        above++;
      }
    }
    return above >= OrderLimits.OP_ID_RETENTION;
  }

  /**
   * Returns these entries plus one.
   *
   * @param opId the applied op id
   * @param entry its entry
   * @return the new set
   */
  public AppliedOps with(OpId opId, Entry entry) {
    Owned next = new Owned(entries);
    next.merge(opId.key(), entry, Entry::later);
    return new AppliedOps(next);
  }

  /**
   * Returns the join of both sets.
   *
   * @param other the other replica's set
   * @return the join
   */
  public AppliedOps merge(AppliedOps other) {
    // The usual join is of a record's version with a later one (the replica absorbing etcd's
    // record): the later set is the join, and two walks tell so without building a map.
    if (absorbs(other)) {
      return this;
    }
    if (other.absorbs(this)) {
      return other;
    }
    Owned next = new Owned(entries);
    other.entries.forEach((op, e) -> next.merge(op, e, Entry::later));
    return new AppliedOps(next);
  }

  /**
   * Returns whether the join with {@code other} is this set: each of its entries is here with a
   * stamp at least as late, or is crowded out (this set is full and its oldest entry ranks above
   * it). One walk over both key-sorted maps.
   */
  boolean absorbs(AppliedOps other) {
    Iterator<Map.Entry<Long, Entry>> mine = entries.entrySet().iterator();
    Map.Entry<Long, Entry> m = mine.hasNext() ? mine.next() : null;
    Map.Entry<Long, Entry> oldest = null;
    for (Map.Entry<Long, Entry> t : other.entries.entrySet()) {
      long key = t.getKey();
      while (m != null && m.getKey() < key) {
        m = mine.hasNext() ? mine.next() : null;
      }
      if (m != null && m.getKey() == key) {
        if (!m.getValue().atLeast(t.getValue())) {
          return false;
        }
        continue;
      }
      if (entries.size() < OrderLimits.OP_ID_RETENTION) {
        return false;
      }
      if (oldest == null) {
        oldest = oldestOf(entries);
      }
      if (NEWEST_FIRST.compare(t, oldest) <= 0) {
        return false;
      }
    }
    return true;
  }

  /** The entry that ranks last (the earliest stamp, then the smaller key); the map is not empty. */
  private static Map.Entry<Long, Entry> oldestOf(Map<Long, Entry> map) {
    Map.Entry<Long, Entry> oldest = null;
    for (Map.Entry<Long, Entry> e : map.entrySet()) {
      if (oldest == null || NEWEST_FIRST.compare(e, oldest) > 0) {
        oldest = e;
      }
    }
    return java.util.Objects.requireNonNull(oldest);
  }

  /**
   * Two sets are equal when they hold the same entries. Both maps are sorted by key, so one walk
   * over both compares them (the map's own {@code equals} looks every key up in the other map).
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof AppliedOps other) || entries.size() != other.entries.size()) {
      return false;
    }
    Iterator<Map.Entry<Long, Entry>> mine = entries.entrySet().iterator();
    Iterator<Map.Entry<Long, Entry>> theirs = other.entries.entrySet().iterator();
    while (mine.hasNext()) {
      Map.Entry<Long, Entry> a = mine.next();
      Map.Entry<Long, Entry> b = theirs.next();
      if (!a.getKey().equals(b.getKey()) || !a.getValue().equals(b.getValue())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  /** A copy of any map, within the retention bound. */
  private static SortedMap<Long, Entry> retain(Map<Long, Entry> all) {
    return retained(new Owned(all));
  }

  /**
   * Cuts a map this class owns to the retention bound, in place: the newest entries stay. A write
   * adds one entry to a full set, so the usual cut removes the one oldest entry, found in one walk;
   * a merge of two sets that drifted apart sorts.
   */
  private static Owned retained(Owned all) {
    int excess = all.size() - OrderLimits.OP_ID_RETENTION;
    if (excess <= 0) {
      return all;
    }
    if (excess == 1) {
      all.remove(oldestOf(all).getKey());
      return all;
    }
    List<Map.Entry<Long, Entry>> sorted = new ArrayList<>(all.entrySet());
    sorted.sort(NEWEST_FIRST);
    Owned kept = new Owned();
    for (Map.Entry<Long, Entry> e : sorted.subList(0, OrderLimits.OP_ID_RETENTION)) {
      kept.put(e.getKey(), e.getValue());
    }
    return kept;
  }
}
