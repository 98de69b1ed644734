package org.hybridstore.model;

import java.util.Optional;
import java.util.SortedMap;
import org.hybridstore.OpId;
import org.hybridstore.OrderLimits;
import org.jspecify.annotations.Nullable;

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
 * @param entries op id key to entry, in key order; the set keeps its own read-only copy (cut to the
 *     retention bound), so {@link #entries()} cannot be changed
 */
public record AppliedOps(SortedMap<Long, Entry> entries) {
  /** No op applied yet. */
  public static final AppliedOps EMPTY = new AppliedOps(OpEntries.EMPTY);

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

  /** Copies the map (unless it is one of this class's own, which never change) and cuts it. */
  public AppliedOps {
    entries = OpEntries.copyOf(entries);
  }

  /** The map as this class built it (the constructor made sure of that). */
  private OpEntries ops() {
    return (OpEntries) entries;
  }

  /**
   * Returns the entry for an op id, if it is remembered.
   *
   * @param opId the op id
   * @return its entry
   */
  public Optional<Entry> get(OpId opId) {
    OpEntries ops = ops();
    int i = ops.indexOf(opId.key());
    return i >= 0 ? Optional.of(ops.values[i]) : Optional.empty();
  }

  /**
   * Returns whether an op id is remembered.
   *
   * @param opId the op id
   * @return whether it is
   */
  public boolean contains(OpId opId) {
    return ops().indexOf(opId.key()) >= 0;
  }

  /**
   * Returns the keys of the remembered op ids ({@link OpId#key()}), ascending: the keys {@code
   * RecordCodec.opKeys} reads from this set's encoding, without encoding it.
   *
   * @return a new array
   */
  public long[] keys() {
    return ops().keys.clone();
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
    OpEntries ops = ops();
    int above = 0;
    for (int i = 0; i < ops.keys.length; i++) {
      if (ops.keys[i] != key && OpEntries.ranksAbove(ops.keys[i], ops.values[i], key, entry)) {
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
    long key = opId.key();
    OpEntries ops = ops();
    int n = ops.keys.length;
    int i = ops.indexOf(key);
    if (i >= 0) {
      if (ops.values[i].atLeast(entry)) {
        return this;
      }
      Entry[] values = ops.values.clone();
      values[i] = entry;
      return new AppliedOps(OpEntries.retained(ops.keys, values, n));
    }
    if (n >= OrderLimits.OP_ID_RETENTION) {
      int oldest = ops.oldest();
      if (OpEntries.ranksAbove(ops.keys[oldest], ops.values[oldest], key, entry)) {
        return this; // the new entry would be the one the bound cuts
      }
    }
    int at = -i - 1;
    long[] keys = new long[n + 1];
    Entry[] values = new Entry[n + 1];
    System.arraycopy(ops.keys, 0, keys, 0, at);
    System.arraycopy(ops.values, 0, values, 0, at);
    keys[at] = key;
    values[at] = entry;
    System.arraycopy(ops.keys, at, keys, at + 1, n - at);
    System.arraycopy(ops.values, at, values, at + 1, n - at);
    return new AppliedOps(OpEntries.retained(keys, values, n + 1));
  }

  /**
   * Returns the join of both sets.
   *
   * @param other the other replica's set
   * @return the join
   */
  public AppliedOps merge(AppliedOps other) {
    // The usual join is of a record's version with a later one (the replica absorbing etcd's
    // record): the later set is the join, and two walks tell so without building anything.
    if (absorbs(other)) {
      return this;
    }
    if (other.absorbs(this)) {
      return other;
    }
    OpEntries a = ops();
    OpEntries b = other.ops();
    long[] keys = new long[a.keys.length + b.keys.length];
    Entry[] values = new Entry[keys.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.keys.length || j < b.keys.length) {
      if (j == b.keys.length || (i < a.keys.length && a.keys[i] < b.keys[j])) {
        keys[n] = a.keys[i];
        values[n++] = a.values[i++];
      } else if (i == a.keys.length || b.keys[j] < a.keys[i]) {
        keys[n] = b.keys[j];
        values[n++] = b.values[j++];
      } else {
        keys[n] = a.keys[i];
        values[n++] = a.values[i++].later(b.values[j++]);
      }
    }
    return new AppliedOps(OpEntries.retained(keys, values, n));
  }

  /**
   * Returns whether the join with {@code other} is this set: each of its entries is here with a
   * stamp at least as late, or is crowded out (this set is full and its oldest entry ranks above
   * it). One walk over both key-sorted arrays.
   */
  boolean absorbs(AppliedOps other) {
    OpEntries mine = ops();
    OpEntries theirs = other.ops();
    boolean full = mine.keys.length >= OrderLimits.OP_ID_RETENTION;
    int m = 0;
    for (int t = 0; t < theirs.keys.length; t++) {
      long key = theirs.keys[t];
      while (m < mine.keys.length && mine.keys[m] < key) {
        m++;
      }
      if (m < mine.keys.length && mine.keys[m] == key) {
        if (!mine.values[m].atLeast(theirs.values[t])) {
          return false;
        }
        continue;
      }
      if (!full) {
        return false;
      }
      int oldest = mine.oldest();
      if (!OpEntries.ranksAbove(mine.keys[oldest], mine.values[oldest], key, theirs.values[t])) {
        return false;
      }
    }
    return true;
  }

  /** The latest time of any entry, or {@code null} when the set is empty. */
  @Nullable HybridTimestamp latestTime() {
    HybridTimestamp latest = null;
    for (Entry e : ops().values) {
      latest = latest == null ? e.stamp().time() : HybridTimestamp.max(latest, e.stamp().time());
    }
    return latest;
  }

  /** Two sets are equal when they hold the same entries. */
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof AppliedOps other && ops().equals(other.ops()));
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }
}
