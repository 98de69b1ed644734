package org.hybridstore.chaos.mutants;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackendFactory;

/**
 * A read cache that is not invalidated properly: a third of the local reads of an order answer with
 * an older version the node once returned, so a node's reads can go back in time.
 */
public final class StaleLocalReads extends AbstractMutant {
  private static final int KEPT = 4;

  /** Creates the mutant. */
  public StaleLocalReads() {
    super(
        "stale-local-reads",
        "local reads sometimes answer from an old cached version",
        List.of("status-monotonic"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    Map<OrderId, List<OrderRecord>> seen = new ConcurrentHashMap<>();
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public Optional<OrderRecord> read(OrderId id) {
            Optional<OrderRecord> current = real.read(id);
            List<OrderRecord> versions = seen.computeIfAbsent(id, k -> new ArrayList<>());
            synchronized (versions) {
              if (current.isPresent() && !versions.contains(current.get())) {
                versions.add(current.get());
                if (versions.size() > KEPT) {
                  versions.remove(0);
                }
              }
              if (versions.size() > 1 && ThreadLocalRandom.current().nextInt(3) == 0) {
                return Optional.of(
                    versions.get(ThreadLocalRandom.current().nextInt(versions.size() - 1)));
              }
            }
            return current;
          }
        };
  }
}
