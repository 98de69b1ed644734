package org.hybridstore.ap.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What anti-entropy compares: order id to a 64-bit hash of the committed encoded record (the first
 * eight bytes of its SHA-256; {@code RecordCodec} output is deterministic, so equal records hash
 * equally), kept sorted for digest pages, plus a summary (count and XOR of all hashes) that two
 * nodes compare first. Updated by the writer after each commit; read from any thread.
 */
final class ReplicaIndex {
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JVM has SHA-256", e);
            }
          });

  private final ConcurrentSkipListMap<String, Long> hashes = new ConcurrentSkipListMap<>();
  private final AtomicLong xor = new AtomicLong();

  /**
   * A replica summary.
   *
   * @param count records
   * @param xor XOR of their hashes
   */
  record Summary(long count, long xor) {}

  static long hash(byte[] encoded) {
    MessageDigest d = SHA256.get();
    d.reset();
    return ByteBuffer.wrap(d.digest(encoded)).getLong();
  }

  /** Records the committed hash of one order; writer thread only. */
  void put(String orderId, long hash) {
    Long old = hashes.put(orderId, hash);
    xor.accumulateAndGet(hash ^ (old == null ? 0 : old), (a, b) -> a ^ b);
  }

  Summary summary() {
    return new Summary(hashes.size(), xor.get());
  }

  NavigableMap<String, Long> hashes() {
    return hashes;
  }

  boolean contains(String orderId) {
    return hashes.containsKey(orderId);
  }

  int size() {
    return hashes.size();
  }
}
