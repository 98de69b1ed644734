package org.hybridstore.chaos.runner;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hybridstore.chaos.cluster.KeyVersion;
import org.hybridstore.codec.RecordCodec;

/**
 * etcd's own history of every order changed after a revision, read back with one etcd watch from
 * the revision after it (etcd replays every version since, in revision order, value included) until
 * every order has reached its last version in etcd's final read. The suite's checks hold what the
 * store said against it. Immutable once read.
 */
final class EtcdHistory {
  /** Reads one etcd key at a revision: empty if etcd did not answer; a present empty if no key. */
  interface Reader {
    Optional<Optional<KeyVersion>> read(String key, long revision);
  }

  /** Streams every version of the keys under a prefix after a revision, in revision order. */
  interface VersionSource {
    /**
     * Starts the stream.
     *
     * @param keyPrefix the keys' prefix
     * @param afterRevision versions at or before it are not sent
     * @param sink receives the versions and a failure
     * @return stops the stream and frees what it holds
     */
    AutoCloseable stream(String keyPrefix, long afterRevision, VersionSink sink);
  }

  /** What a {@link VersionSource} sends to. */
  interface VersionSink {
    /** One version of one key. */
    void version(String key, long modRevision, byte[] value);

    /** The stream failed (for example: etcd compacted the revisions asked for). */
    void failed(Throwable cause);
  }

  /** How long reading the history may take. */
  static final Duration READ_BOUND = Duration.ofMinutes(5);

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
   * Reads the history within a bound. An order whose versions did not all arrive within it (or
   * whose value does not decode, or whose stream failed) is listed in {@link #unreadable()}, so
   * that no check takes a version missing from this copy for one etcd never committed.
   *
   * @param fromRevision versions at or before it are not read
   * @param lastInEtcd order id to its mod revision in the read of etcd the history ends at; later
   *     versions and orders not in it are ignored
   * @param source streams etcd's versions
   * @param keyPrefix etcd's key prefix of the orders
   * @param bound how long the stream may take to deliver every order's last version
   * @return the history
   * @throws InterruptedException if interrupted while waiting
   */
  static EtcdHistory read(
      long fromRevision,
      Map<String, Long> lastInEtcd,
      VersionSource source,
      String keyPrefix,
      Duration bound)
      throws InterruptedException {
    Map<String, NavigableMap<Long, long[]>> versions = new ConcurrentHashMap<>();
    Set<String> remaining = ConcurrentHashMap.newKeySet();
    Set<String> undecodable = ConcurrentHashMap.newKeySet();
    lastInEtcd.forEach(
        (order, last) -> {
          if (last > fromRevision) {
            remaining.add(order);
          }
        });
    if (remaining.isEmpty()) {
      return new EtcdHistory(fromRevision, versions, Set.of());
    }
    CountDownLatch done = new CountDownLatch(1);
    VersionSink sink =
        new VersionSink() {
          @Override
          public void version(String key, long modRevision, byte[] value) {
            if (!key.startsWith(keyPrefix)) {
              return;
            }
            String order = key.substring(keyPrefix.length());
            Long last = lastInEtcd.get(order);
            if (last == null || modRevision > last || modRevision <= fromRevision) {
              return;
            }
            try {
              long[] opKeys =
                  RecordCodec.decode(value, key).appliedOps().entries().keySet().stream()
                      .mapToLong(Long::longValue)
                      .toArray();
              versions
                  .computeIfAbsent(order, o -> new ConcurrentSkipListMap<>())
                  .put(modRevision, sortedOpKeys(opKeys));
            } catch (RuntimeException e) {
              undecodable.add(order);
            }
            if (modRevision == last && remaining.remove(order) && remaining.isEmpty()) {
              done.countDown();
            }
          }

          @Override
          public void failed(Throwable cause) {
            done.countDown();
          }
        };
    AutoCloseable stream = source.stream(keyPrefix, fromRevision, sink);
    try {
      done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      try {
        stream.close();
      } catch (Exception e) {
        // what arrived stands; what did not is unreadable below
      }
    }
    Set<String> unreadable = new HashSet<>(remaining);
    unreadable.addAll(undecodable);
    return new EtcdHistory(fromRevision, versions, Set.copyOf(unreadable));
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
    Set<String> unreadable = new HashSet<>();
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

  /** Orders whose history was not read to the end (etcd did not deliver it within the bound). */
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
