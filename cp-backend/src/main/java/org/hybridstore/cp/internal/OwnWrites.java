package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * The records this backend sent to etcd, kept until the change feed brings them back, so the feed
 * hands on the very record instead of decoding its bytes again.
 *
 * <p>Why not the revision cache alone: under load the feed often delivers a write before the
 * transaction's answer is processed (the cache does not hold that revision yet), or after the next
 * write to the same order (it no longer does). Matched by the value's bytes, which are canonical:
 * equal bytes are an equal record, whatever revision etcd gave them, so a match is always right and
 * a miss only costs a decode. Bounded by bytes, oldest first; an entry leaves when the feed
 * delivers it or a later write of this backend to its key, or when its write surely did not commit
 * (a lost compare). A write whose outcome is unknown stays until one of those or the bound.
 * Thread-safe.
 */
final class OwnWrites {
  /** One value sent; compared by identity, so two equal values sent twice are two entries. */
  private static final class Sent {
    final String key;
    final ByteString value;
    final OrderRecord record;

    Sent(String key, ByteString value, OrderRecord record) {
      this.key = key;
      this.value = value;
      this.record = record;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashSet<Sent> oldestFirst = new LinkedHashSet<>();
  private final Map<String, ArrayDeque<Sent>> byKey = new HashMap<>();
  private final long maxBytes;
  private long bytes;

  /**
   * @param maxBytes the most value bytes kept; the oldest entries leave first beyond it
   */
  OwnWrites(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Remembers a value about to be sent for a key, and the record it encodes. */
  void sending(String key, ByteString value, OrderRecord record) {
    Sent s = new Sent(key, value, record);
    lock.lock();
    try {
      oldestFirst.add(s);
      byKey.computeIfAbsent(key, k -> new ArrayDeque<>(2)).addLast(s);
      bytes += value.size();
      while (bytes > maxBytes) {
        forget(oldestFirst.iterator().next());
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the record this backend sent as exactly these bytes for the key, or null; takes it out,
   * with every value sent for the key before it (the feed delivers a key's versions in order).
   */
  @Nullable OrderRecord delivered(String key, ByteString value) {
    lock.lock();
    try {
      ArrayDeque<Sent> sent = byKey.get(key);
      if (sent == null) {
        return null;
      }
      Sent match = null;
      for (Sent s : sent) {
        if (s.value.equals(value)) {
          match = s;
          break;
        }
      }
      if (match == null) {
        return null;
      }
      Sent first;
      do {
        first = sent.getFirst();
        forget(first);
      } while (first != match);
      return match.record;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets a value that surely was not committed (its compare failed). */
  void notCommitted(String key, ByteString value) {
    lock.lock();
    try {
      ArrayDeque<Sent> sent = byKey.get(key);
      if (sent == null) {
        return;
      }
      for (Sent s : sent) {
        if (s.value.equals(value)) {
          forget(s);
          return;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many values are kept (for tests). */
  int size() {
    lock.lock();
    try {
      return oldestFirst.size();
    } finally {
      lock.unlock();
    }
  }

  /** Takes one entry out of both orders. */
  private void forget(Sent s) {
    oldestFirst.remove(s);
    bytes -= s.value.size();
    ArrayDeque<Sent> sent = byKey.get(s.key);
    if (sent != null) {
      sent.removeFirstOccurrence(s);
      if (sent.isEmpty()) {
        byKey.remove(s.key);
      }
    }
  }
}
