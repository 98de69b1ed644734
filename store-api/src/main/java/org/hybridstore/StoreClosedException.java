package org.hybridstore;

/** The store was closed; no further calls are served. */
public final class StoreClosedException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param name the name of the closed store
   */
  public StoreClosedException(String name) {
    super("store " + name + " is closed");
  }
}
