package org.hybridstore.chaos.runner;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hybridstore.chaos.cluster.KeyVersion;
import org.hybridstore.codec.RecordCodec;

/**
 * etcd's own history of every order changed after a revision, read back after the run version by
 * version through the JSON gateway (each version names the one before it: read at its mod revision
 * minus one). The suite's checks hold what the store said against it. Immutable once read.
 */
final class EtcdHistory {
  /** Reads one etcd key at a revision: empty if etcd did not answer; a present empty if no key. */
  interface Reader {
    Optional<Optional<KeyVersion>> read(String key, long revision);
  }

  private static final int READERS = 6;

  private final long fromRevision;

  /** order id to its versions after fromRevision: mod revision to the sorted op keys it holds */
  private final Map<String, NavigableMap<Long, long[]>> versions;

  private final Set<String> unreadable;

  private EtcdHistory(
      long fromRevision, Map<String, NavigableMap<Long, long[]>> versions, Set<String> unreadable) {
    this.fromRevision = fromRevision;
    this.versions = versions;
    this.unreadable = unreadable;
  }

  /**
   * Reads the history.
   *
   * @param fromRevision versions at or before it are not read
   * @param lastInEtcd order id to its mod revision in etcd's final read
   * @param etcd reads a key at a revision
   * @param keyPrefix etcd's key prefix of the orders
   * @return the history; orders etcd did not answer for are listed in {@link #unreadable()}
   */
  static EtcdHistory read(
      long fromRevision, Map<String, Long> lastInEtcd, Reader etcd, String keyPrefix)
      throws InterruptedException {
    Map<String, NavigableMap<Long, long[]>> versions = new ConcurrentHashMap<>();
    Set<String> unreadable = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    try {
      for (Map.Entry<String, Long> e : lastInEtcd.entrySet()) {
        if (e.getValue() <= fromRevision) {
          continue;
        }
        pool.execute(
            () -> {
              String key = keyPrefix + e.getKey();
              TreeMap<Long, long[]> mine = new TreeMap<>();
              long at = e.getValue();
              while (at > fromRevision) {
                var read = etcd.read(key, at);
                if (read.isEmpty()) {
                  unreadable.add(e.getKey());
                  break;
                }
                if (read.get().isEmpty()) {
                  break; // the order did not exist yet
                }
                KeyVersion kv = read.get().get();
                if (kv.modRevision() <= fromRevision) {
                  break;
                }
                mine.put(
                    kv.modRevision(),
                    sortedOpKeys(
                        RecordCodec.decode(kv.value(), key).appliedOps().entries().keySet().stream()
                            .mapToLong(Long::longValue)
                            .toArray()));
                at = kv.modRevision() - 1;
              }
              versions.put(e.getKey(), mine);
            });
      }
    } finally {
      pool.shutdown();
      if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
        pool.shutdownNow();
        unreadable.add("(reading etcd's history took over 5 minutes)");
      }
    }
    return new EtcdHistory(fromRevision, versions, unreadable);
  }

  /**
   * Joins histories read in turn (each after the revision the one before ended at: the suite
   * records etcd's history up to a revision before it compacts there).
   *
   * @param fromRevision the first part's start
   * @param parts the parts
   * @return one history after {@code fromRevision}
   */
  static EtcdHistory join(long fromRevision, List<EtcdHistory> parts) {
    Map<String, NavigableMap<Long, long[]>> versions = new ConcurrentHashMap<>();
    Set<String> unreadable = ConcurrentHashMap.newKeySet();
    for (EtcdHistory p : parts) {
      p.versions.forEach(
          (order, vs) -> versions.computeIfAbsent(order, o -> new TreeMap<>()).putAll(vs));
      unreadable.addAll(p.unreadable);
    }
    return new EtcdHistory(fromRevision, versions, unreadable);
  }

  static long[] sortedOpKeys(long[] keys) {
    long[] sorted = keys.clone();
    Arrays.sort(sorted);
    return sorted;
  }

  /** The revision versions are read after. */
  long fromRevision() {
    return fromRevision;
  }

  /** Orders whose history etcd did not answer for. */
  Set<String> unreadable() {
    return unreadable;
  }

  /** How many versions were read. */
  int size() {
    return versions.values().stream().mapToInt(Map::size).sum();
  }

  /** Every version read, as {@code order@revision} to its sorted op keys. */
  Map<String, long[]> all() {
    Map<String, long[]> out = new java.util.HashMap<>();
    versions.forEach((order, vs) -> vs.forEach((rev, keys) -> out.put(order + "@" + rev, keys)));
    return out;
  }

  /**
   * Whether the history covers an order at a revision: read without failure, and after the start.
   *
   * @param order the order
   * @param revision the revision
   * @return whether {@link #at} and {@link #before} answer for it
   */
  boolean covers(String order, long revision) {
    return revision > fromRevision && versions.containsKey(order) && !unreadable.contains(order);
  }

  /**
   * The version with exactly this mod revision, if etcd committed one.
   *
   * @param order the order
   * @param revision the mod revision
   * @return its sorted op keys
   */
  Optional<long[]> at(String order, long revision) {
    return Optional.ofNullable(versions.getOrDefault(order, new TreeMap<>()).get(revision));
  }

  /**
   * The version just before a revision, if it is after the start (else empty: the caller reads
   * etcd).
   *
   * @param order the order
   * @param revision the revision
   * @return its mod revision and sorted op keys
   */
  Optional<Map.Entry<Long, long[]>> before(String order, long revision) {
    return Optional.ofNullable(versions.getOrDefault(order, new TreeMap<>()).lowerEntry(revision));
  }

  /** Whether sorted op keys hold a key. */
  static boolean holds(long[] sortedKeys, long key) {
    return Arrays.binarySearch(sortedKeys, key) >= 0;
  }
}
