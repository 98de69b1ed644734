package org.hybridstore;

import org.jspecify.annotations.Nullable;

/**
 * Bytes that should hold a record, a command or a message could not be decoded: malformed JSON, an
 * unknown schema version, an unknown enum value, or a value that breaks a model rule. Names where
 * the bytes came from (an etcd key, a journal file, a peer).
 */
public final class CorruptDataException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message where the bytes came from and what is wrong with them
   * @param cause the decoder's failure, if any
   */
  public CorruptDataException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception without a cause.
   *
   * @param message where the bytes came from and what is wrong with them
   */
  public CorruptDataException(String message) {
    super(message);
  }
}
