package org.hybridstore.ap.internal.storage;

/**
 * A log write or fsync failed: the batch may or may not be on disk, and the journal refuses further
 * commits until {@link JournalStore#recover()} succeeds.
 */
public final class JournalWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JournalWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
