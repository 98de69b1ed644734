package org.hybridstore.cp;

import java.util.Objects;
import org.hybridstore.CpConfig;
import org.hybridstore.cp.internal.EtcdOrderBackend;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * Creates the etcd-backed {@link StrongBackend}: orders stored as JSON under {@link
 * CpConfig#keyPrefix()}, every command a compare-and-swap transaction, every call bounded by {@link
 * CpConfig#requestTimeout()}.
 *
 * <pre>{@code
 * StrongBackendFactory cp =
 *     EtcdBackendFactory.of(
 *         CpConfig.builder()
 *             .endpoints(
 *                 List.of(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379")))
 *             .build());
 * }</pre>
 *
 * <p>Failures carry the store's exceptions, classified in one place: {@code
 * IndeterminateWriteException} when a write may have been applied (timeouts, lost connections,
 * leader changes), {@code StoreUnavailableException} when it definitely was not (TLS or
 * authentication failure, an error etcd returns before applying anything, and every failed read).
 *
 * <p>This class is immutable and thread-safe; each {@link #create} call opens new connections.
 */
public final class EtcdBackendFactory implements StrongBackendFactory {
  private final CpConfig config;

  private EtcdBackendFactory(CpConfig config) {
    this.config = config;
  }

  /**
   * Returns a factory for the given connection settings.
   *
   * @param config endpoints, key prefix, deadlines, TLS and credentials
   * @return the factory
   * @throws NullPointerException if {@code config} is null
   */
  public static EtcdBackendFactory of(CpConfig config) {
    return new EtcdBackendFactory(Objects.requireNonNull(config, "config"));
  }

  /** Returns the settings this factory connects with. */
  public CpConfig config() {
    return config;
  }

  /**
   * Connects to etcd and returns the backend. Connecting is lazy: a cluster that is down makes the
   * first calls fail (within their deadline), not this method.
   *
   * @param context the node's identity, clock and threads
   * @return the backend; close it to release its connections
   * @throws org.hybridstore.StoreUnavailableException if the TLS material cannot be loaded
   */
  @Override
  public StrongBackend create(BackendContext context) {
    return EtcdOrderBackend.open(config, Objects.requireNonNull(context, "context"));
  }

  @Override
  public String toString() {
    return "EtcdBackendFactory[" + config + "]";
  }
}
