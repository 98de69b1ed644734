package org.hybridstore.model;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.hybridstore.OrderLimits;
import org.jspecify.annotations.Nullable;

/**
 * The immutable map behind {@link AppliedOps#entries()}: the op-id keys in a sorted {@code long[]}
 * and their entries in a parallel array, never more than {@link OrderLimits#OP_ID_RETENTION}.
 *
 * <p>Design: every write copies a record's op-id set, every absorb of etcd's record walks two of
 * them, and a full set holds 64 entries. As a {@code TreeMap} behind an unmodifiable view, each
 * copy built 64 tree nodes and boxed keys, and each walk allocated a wrapper per entry and compared
 * boxed keys (decision 72 measured that walk as most of what a node's own STRONG write costs its
 * journal). Here a copy is two array copies, and {@link AppliedOps} walks the arrays directly. The
 * {@link SortedMap} view (boxing, an entry object per step) is only for callers outside this
 * package; it is read-only, and every mutator throws {@link UnsupportedOperationException}.
 */
final class OpEntries extends AbstractMap<Long, AppliedOps.Entry>
    implements SortedMap<Long, AppliedOps.Entry> {

  static final OpEntries EMPTY = new OpEntries(new long[0], new AppliedOps.Entry[0]);

  /** Strictly ascending. Never written after construction, so copies may share it. */
  final long[] keys;

  /** {@code values[i]} is the entry of {@code keys[i]}. Never written after construction. */
  final AppliedOps.Entry[] values;

  /**
   * The index of the entry that ranks last (the earliest stamp, then the smaller key), found on
   * first use; {@link #UNKNOWN} until then. A race computes the same value twice, which is
   * harmless.
   */
  private int oldest = UNKNOWN;

  private static final int UNKNOWN = -2;

  /** Takes both arrays as they are: the caller hands them over and keeps no reference. */
  private OpEntries(long[] keys, AppliedOps.Entry[] values) {
    this.keys = keys;
    this.values = values;
  }

  /**
   * The newest {@link OrderLimits#OP_ID_RETENTION} of the first {@code n} entries of two parallel
   * arrays whose keys ascend strictly. The arrays are handed over: when they hold exactly {@code n}
   * entries within the bound, the result keeps them as they are.
   */
  static OpEntries retained(long[] keys, AppliedOps.Entry[] values, int n) {
    int keep = OrderLimits.OP_ID_RETENTION;
    if (n <= keep) {
      return n == keys.length
          ? new OpEntries(keys, values)
          : new OpEntries(Arrays.copyOf(keys, n), Arrays.copyOf(values, n));
    }
    if (n == keep + 1) {
      // A write to a full set: the one entry that ranks last goes.
      int drop = oldestIndex(keys, values, n);
      long[] k = new long[keep];
      AppliedOps.Entry[] v = new AppliedOps.Entry[keep];
      System.arraycopy(keys, 0, k, 0, drop);
      System.arraycopy(values, 0, v, 0, drop);
      System.arraycopy(keys, drop + 1, k, drop, n - drop - 1);
      System.arraycopy(values, drop + 1, v, drop, n - drop - 1);
      return new OpEntries(k, v);
    }
    // A join of two sets that drifted apart: rank all, keep the newest, in key order again.
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // Keys are distinct, so two different indices never tie.
    Arrays.sort(
        order,
        (a, b) -> a.equals(b) ? 0 : ranksAbove(keys[a], values[a], keys[b], values[b]) ? -1 : 1);
    Integer[] kept = Arrays.copyOf(order, keep);
    Arrays.sort(kept);
    long[] k = new long[keep];
    AppliedOps.Entry[] v = new AppliedOps.Entry[keep];
    for (int i = 0; i < keep; i++) {
      k[i] = keys[kept[i]];
      v[i] = values[kept[i]];
    }
    return new OpEntries(k, v);
  }

  /** A copy of any map of op-id keys to entries, cut to the retention bound. */
  static OpEntries copyOf(Map<Long, AppliedOps.Entry> map) {
    if (map instanceof OpEntries own) {
      return own;
    }
    Map<Long, AppliedOps.Entry> sorted =
        map instanceof TreeMap<Long, AppliedOps.Entry> t && t.comparator() == null
            ? map
            : new TreeMap<>(map);
    int n = sorted.size();
    long[] k = new long[n];
    AppliedOps.Entry[] v = new AppliedOps.Entry[n];
    int i = 0;
    for (Map.Entry<Long, AppliedOps.Entry> e : sorted.entrySet()) {
      k[i] = e.getKey();
      v[i] = Objects.requireNonNull(e.getValue(), "entry");
      i++;
    }
    return retained(k, v, n);
  }

  /**
   * Whether entry {@code a} of key {@code ka} ranks above entry {@code b} of key {@code kb}: a
   * later stamp, or the same stamp and a larger key (the key breaks ties, so the cut is
   * deterministic).
   */
  static boolean ranksAbove(long ka, AppliedOps.Entry a, long kb, AppliedOps.Entry b) {
    int c = a.stamp().compareTo(b.stamp());
    return c > 0 || (c == 0 && ka > kb);
  }

  private static int oldestIndex(long[] keys, AppliedOps.Entry[] values, int n) {
    int oldest = 0;
    for (int i = 1; i < n; i++) {
      if (ranksAbove(keys[oldest], values[oldest], keys[i], values[i])) {
        oldest = i;
      }
    }
    return oldest;
  }

  /** The index of the entry that ranks last; the map is not empty. */
  int oldest() {
    int o = oldest;
    if (o == UNKNOWN) {
      o = oldestIndex(keys, values, keys.length);
      oldest = o;
    }
    return o;
  }

  /** The index of a key, or {@code -(insertion point) - 1} when it is absent. */
  int indexOf(long key) {
    return Arrays.binarySearch(keys, key);
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public boolean isEmpty() {
    return keys.length == 0;
  }

  @Override
  public AppliedOps.@Nullable Entry get(@Nullable Object key) {
    if (!(key instanceof Long k)) {
      return null;
    }
    int i = indexOf(k);
    return i >= 0 ? values[i] : null;
  }

  @Override
  public boolean containsKey(@Nullable Object key) {
    return key instanceof Long k && indexOf(k) >= 0;
  }

  @Override
  public Set<Map.Entry<Long, AppliedOps.Entry>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<Long, AppliedOps.Entry>> iterator() {
        return new Walk<>(i -> new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]));
      }

      @Override
      public int size() {
        return keys.length;
      }
    };
  }

  // The views below read the arrays directly; the ones AbstractMap derives from entrySet() would
  // build an entry object per step, and the record encoder and OrderRecord.latestTime walk them on
  // every write.

  @Override
  public void forEach(BiConsumer<? super Long, ? super AppliedOps.Entry> action) {
    for (int i = 0; i < keys.length; i++) {
      action.accept(keys[i], values[i]);
    }
  }

  @Override
  public Set<Long> keySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Long> iterator() {
        return new Walk<>(i -> keys[i]);
      }

      @Override
      public boolean contains(@Nullable Object o) {
        return containsKey(o);
      }

      @Override
      public int size() {
        return keys.length;
      }
    };
  }

  @Override
  public Collection<AppliedOps.Entry> values() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<AppliedOps.Entry> iterator() {
        return new Walk<>(i -> values[i]);
      }

      @Override
      public void forEach(Consumer<? super AppliedOps.Entry> action) {
        for (AppliedOps.Entry v : values) {
          action.accept(v);
        }
      }

      @Override
      public int size() {
        return values.length;
      }
    };
  }

  /** A read-only iterator over the indices of the arrays, each step mapped to what a view shows. */
  private final class Walk<T> implements Iterator<T> {
    private final IntFunction<T> at;
    private int next;

    Walk(IntFunction<T> at) {
      this.at = at;
    }

    @Override
    public boolean hasNext() {
      return next < keys.length;
    }

    @Override
    public T next() {
      if (next >= keys.length) {
        throw new NoSuchElementException();
      }
      return at.apply(next++);
    }
  }

  @Override
  public @Nullable Comparator<? super Long> comparator() {
    return null; // natural order
  }

  @Override
  public SortedMap<Long, AppliedOps.Entry> subMap(Long fromKey, Long toKey) {
    if (fromKey > toKey) {
      throw new IllegalArgumentException("fromKey " + fromKey + " > toKey " + toKey);
    }
    return range(from(fromKey), from(toKey));
  }

  @Override
  public SortedMap<Long, AppliedOps.Entry> headMap(Long toKey) {
    return range(0, from(toKey));
  }

  @Override
  public SortedMap<Long, AppliedOps.Entry> tailMap(Long fromKey) {
    return range(from(fromKey), keys.length);
  }

  @Override
  public Long firstKey() {
    if (keys.length == 0) {
      throw new NoSuchElementException();
    }
    return keys[0];
  }

  @Override
  public Long lastKey() {
    if (keys.length == 0) {
      throw new NoSuchElementException();
    }
    return keys[keys.length - 1];
  }

  /** The index of the first key at or above {@code key}. */
  private int from(long key) {
    int i = indexOf(key);
    return i >= 0 ? i : -i - 1;
  }

  private OpEntries range(int from, int to) {
    return from == 0 && to == keys.length
        ? this
        : new OpEntries(Arrays.copyOfRange(keys, from, to), Arrays.copyOfRange(values, from, to));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (o instanceof OpEntries other) {
      return Arrays.equals(keys, other.keys) && Arrays.equals(values, other.values);
    }
    return super.equals(o);
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < keys.length; i++) {
      h += Long.hashCode(keys[i]) ^ values[i].hashCode();
    }
    return h;
  }
}
