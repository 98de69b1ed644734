package org.hybridstore.ap;

import java.util.Objects;
import org.hybridstore.ApConfig;
import org.hybridstore.ap.internal.MapDbOrderBackend;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.LocalBackendFactory;

/**
 * Creates the degraded backend: a durable local journal (an append-only, checksummed, fsync'd log
 * with a MapDB index rebuilt from it; group commit) replicated between nodes with ScaleCube (SWIM
 * membership, direct pushes and digest anti-entropy). Hand it to the store builder:
 *
 * <pre>{@code
 * .strong(EtcdBackendFactory.of(cpConfig))
 * .local(MapDbBackendFactory.of(apConfig))
 * }</pre>
 *
 * <p>{@link #create} opens the journal in {@link ApConfig#dataDir()} (creating it on first start),
 * starts one writer thread named {@code hybridstore-journal-<node>}, binds the gossip port and
 * joins the seeds. See {@code docs/local-journal.md} for the file layout, the durability promise
 * and the recovery of a damaged file.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class MapDbBackendFactory implements LocalBackendFactory {
  private final ApConfig config;

  private MapDbBackendFactory(ApConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * Returns a factory for the given settings.
   *
   * @param config the journal and replication settings
   * @return the factory
   */
  public static MapDbBackendFactory of(ApConfig config) {
    return new MapDbBackendFactory(config);
  }

  /**
   * Opens the journal and joins the peers.
   *
   * @param context the node's identity, clock and threads
   * @return the started backend
   * @throws org.hybridstore.CorruptDataException naming the file if the journal is corrupt or
   *     unreadable; the file is left as it is (move the data directory aside to recover)
   * @throws org.hybridstore.StoreUnavailableException if the directory cannot be created, the file
   *     is locked by another process, or the gossip port cannot be bound
   */
  @Override
  public LocalBackend create(BackendContext context) {
    return MapDbOrderBackend.open(config, context);
  }
}
