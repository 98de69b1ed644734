package org.hybridstore.chaos.mutants;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StoredRecord;

/**
 * The local mirror is never updated from etcd (the watch feed's records are dropped, as a feed that
 * silently stopped would): a node knows only the orders it wrote provisionally or got from peers.
 */
public final class DropAbsorb extends AbstractMutant {
  /** Creates the mutant. */
  public DropAbsorb() {
    super(
        "drop-absorb",
        "records from etcd never reach the local replica",
        List.of("no-lost", "convergence"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public CompletionStage<Void> absorb(Collection<OrderRecord> records, long revision) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> absorb(Collection<OrderRecord> records) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> absorbStored(List<StoredRecord> records, long revision) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> absorbEncoded(List<EncodedRecord> records) {
            return CompletableFuture.completedFuture(null);
          }
        };
  }
}
