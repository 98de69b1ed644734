package org.hybridstore.chaos.mutants;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StoredRecord;

/**
 * A merge that prefers the local side: records from etcd are ignored for every order the node still
 * holds unreconciled writes for, so its backlog never clears and its replica keeps its own version.
 */
public final class LocalWinsAbsorb extends AbstractMutant {
  /** Creates the mutant. */
  public LocalWinsAbsorb() {
    super(
        "local-wins-absorb",
        "records from etcd are ignored for orders with local unreconciled writes",
        List.of("recovery", "replicas-converge"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public CompletionStage<Void> absorb(Collection<OrderRecord> records, long revision) {
            return real.absorb(kept(records), revision);
          }

          @Override
          public CompletionStage<Void> absorb(Collection<OrderRecord> records) {
            return real.absorb(kept(records));
          }

          @Override
          public CompletionStage<Void> absorbStored(List<StoredRecord> records, long revision) {
            return real.absorbStored(
                records.stream().filter(r -> !real.inBacklog(r.record().id())).toList(), revision);
          }

          @Override
          public CompletionStage<Void> absorbEncoded(List<EncodedRecord> records) {
            return real.absorbEncoded(
                records.stream().filter(r -> !real.inBacklog(r.record().id())).toList());
          }

          private List<OrderRecord> kept(Collection<OrderRecord> records) {
            return records.stream().filter(r -> !real.inBacklog(r.id())).toList();
          }
        };
  }
}
