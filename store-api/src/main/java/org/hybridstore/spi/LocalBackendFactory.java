package org.hybridstore.spi;

/** Creates the local backend when the store starts; implemented by {@code MapDbBackendFactory}. */
@FunctionalInterface
public interface LocalBackendFactory {
  /**
   * Creates and starts the backend: opens (or recovers) the local store and joins the peers.
   *
   * @param context the node's identity, clock and threads
   * @return the backend
   */
  LocalBackend create(BackendContext context);
}
