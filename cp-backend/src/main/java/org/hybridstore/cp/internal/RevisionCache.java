package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * The last record this backend saw for each recently used key, with its etcd mod revision. A
 * command starts its compare-and-swap from here instead of reading first, which saves a round trip
 * per write. A stale entry costs nothing but a lost race: the transaction compares the mod
 * revision, fails, and its else-branch returns the current record. Bounded, least recently used
 * entries go first; an entry never moves back to an older revision. Thread-safe.
 */
final class RevisionCache {
  /**
   * A record as stored at a revision.
   *
   * @param record the record
   * @param modRevision its etcd mod revision
   * @param valueSize the size of its encoding
   * @param valueHash the hash of its encoding ({@link ByteString#hashCode})
   */
  record Entry(OrderRecord record, long modRevision, int valueSize, int valueHash) {
    /**
     * Whether a key-value etcd delivered is this record: the same mod revision, and an encoding of
     * the same size and hash. The revision alone names one version of the key; the size and hash
     * make sure the value is the one this backend wrote or read there (not, say, another cluster's
     * history at the same revision numbers).
     */
    boolean isVersion(KeyValue kv) {
      return kv.getModRevision() == modRevision
          && kv.getValue().size() == valueSize
          && kv.getValue().hashCode() == valueHash;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Entry> entries;

  RevisionCache(int maxEntries) {
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > maxEntries;
          }
        };
  }

  @Nullable Entry get(String key) {
    lock.lock();
    try {
      return entries.get(key);
    } finally {
      lock.unlock();
    }
  }

  void put(String key, OrderRecord record, long modRevision, ByteString value) {
    Entry entry = new Entry(record, modRevision, value.size(), value.hashCode());
    lock.lock();
    try {
      Entry old = entries.get(key);
      if (old == null || old.modRevision() <= modRevision) {
        entries.put(key, entry);
      }
    } finally {
      lock.unlock();
    }
  }

  void invalidate(String key) {
    lock.lock();
    try {
      entries.remove(key);
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }
}
