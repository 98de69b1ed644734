package org.hybridstore.spi;

/** Creates the strong backend when the store starts; implemented by {@code EtcdBackendFactory}. */
@FunctionalInterface
public interface StrongBackendFactory {
  /**
   * Creates and starts the backend.
   *
   * @param context the node's identity, clock and threads
   * @return the backend
   */
  StrongBackend create(BackendContext context);
}
