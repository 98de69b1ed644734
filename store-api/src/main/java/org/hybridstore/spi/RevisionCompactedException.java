package org.hybridstore.spi;

import org.hybridstore.OrderStoreException;

/**
 * A read at a past revision failed because the strong backend compacted its history up to or past
 * that revision (etcd's {@code mvcc: required revision has been compacted}). Definite: nothing was
 * read. Only {@link StrongBackend#readRevision} throws it; the store handles it and never passes it
 * to applications.
 */
public final class RevisionCompactedException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was read at which revision
   * @param cause the backend's error
   */
  public RevisionCompactedException(String message, Throwable cause) {
    super(message, cause);
  }
}
