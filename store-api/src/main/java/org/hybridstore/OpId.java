package org.hybridstore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The idempotency key of one command, chosen by the client (a UUID is a good choice). Applying a
 * command whose op id the order already holds changes nothing and returns the earlier result;
 * reusing an op id for a different command is rejected. Same rule as {@link OrderId}.
 *
 * @param value the key
 * @throws InvalidInputException if the key breaks the rule
 */
public record OpId(String value) implements Comparable<OpId> {
  /** Validates the key. */
  public OpId {
    Ids.requireValid("opId", value);
  }

  /**
   * Returns the op id for a string.
   *
   * @param value the key
   * @return the op id
   * @throws InvalidInputException if the key breaks the rule
   */
  public static OpId of(String value) {
    return new OpId(value);
  }

  /** Returns a fresh random op id. */
  public static OpId random() {
    return new OpId(java.util.UUID.randomUUID().toString());
  }

  /**
   * Returns the 64-bit key a record remembers this op id by (the first eight bytes of the SHA-256
   * of its UTF-8 form): records keep keys, not the op ids themselves, which keeps them small.
   */
  public long key() {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(d).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  @Override
  public int compareTo(OpId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
