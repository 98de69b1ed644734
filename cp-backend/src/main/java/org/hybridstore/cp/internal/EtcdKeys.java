package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderId;

/**
 * The key layout: one key per order, {@code <keyPrefix><orderId>}, for example {@code
 * /hybridstore/orders/o-17}. Order ids are restricted to letters, digits and {@code . _ : -}, so a
 * key never contains a further {@code /} and the prefix range holds nothing but orders.
 *
 * <p>Immutable and thread-safe.
 */
final class EtcdKeys {
  private final String prefix;
  private final ByteString prefixBytes;
  private final ByteString prefixEnd;

  EtcdKeys(String prefix) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new InvalidInputException("keyPrefix", "must start and end with '/', was " + prefix);
    }
    this.prefix = prefix;
    this.prefixBytes = ByteString.copyFromUtf8(prefix);
    this.prefixEnd = ByteString.copyFrom(rangeEnd(prefix.getBytes(StandardCharsets.UTF_8)));
  }

  /** Returns the prefix every order key starts with. */
  String prefix() {
    return prefix;
  }

  /** Returns the prefix as bytes (the start of the orders' key range). */
  ByteString prefixBytes() {
    return prefixBytes;
  }

  /** Returns the exclusive end of the orders' key range. */
  ByteString prefixEnd() {
    return prefixEnd;
  }

  /** Returns the key of an order. */
  ByteString key(OrderId id) {
    return ByteString.copyFromUtf8(keyString(id));
  }

  /** Returns the key of an order as text, as {@code etcdctl get} shows it. */
  String keyString(OrderId id) {
    return prefix + id.value();
  }

  /**
   * Returns the order a key belongs to, or empty if the key is under the prefix but is no order key
   * (written by something else).
   */
  Optional<OrderId> orderIdOf(ByteString key) {
    String k = key.toStringUtf8();
    if (!k.startsWith(prefix) || k.length() == prefix.length()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OrderId.of(k.substring(prefix.length())));
    } catch (InvalidInputException e) {
      return Optional.empty();
    }
  }

  /** Returns the smallest key after every key that starts with {@code key} (etcd's prefix end). */
  static byte[] rangeEnd(byte[] key) {
    byte[] end = Arrays.copyOf(key, key.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0}; // every byte 0xff: etcd's "to the end of the keyspace"
  }

  /** Returns the key right after {@code key} in byte order, to continue a paged range. */
  static ByteString successor(ByteString key) {
    return key.concat(ByteString.copyFrom(new byte[] {0}));
  }
}
