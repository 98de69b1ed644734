package org.hybridstore.chaos.mutants;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * LINEARIZABLE reads are served from the node's local mirror instead of an etcd quorum read: fast,
 * and stale whenever the mirror is behind a write another node already acknowledged. Its scenario
 * isolates the etcd leader: a node whose watch stream runs through the old leader keeps STRONG (it
 * reaches the majority) while its mirror stops until the stream moves, so its reads miss the writes
 * the other nodes commit meanwhile.
 */
public final class MirrorLinearizableReads extends AbstractMutant {
  private final AtomicReference<LocalBackend> local = new AtomicReference<>();

  /** Creates the mutant. */
  public MirrorLinearizableReads() {
    super(
        "mirror-linearizable-reads",
        "linearizable reads are answered from the local mirror, not by etcd",
        List.of("linearizable"),
        List.of("partition-leader"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context -> {
      LocalBackend b = real.create(context);
      local.set(b);
      return b;
    };
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return context ->
        new DelegatingStrongBackend(real.create(context)) {
          @Override
          public CompletionStage<Optional<OrderRecord>> read(
              OrderId id, ReadConsistency consistency) {
            LocalBackend mirror = local.get();
            if (consistency == ReadConsistency.LINEARIZABLE && mirror != null) {
              return CompletableFuture.completedFuture(mirror.read(id));
            }
            return real.read(id, consistency);
          }
        };
  }
}
