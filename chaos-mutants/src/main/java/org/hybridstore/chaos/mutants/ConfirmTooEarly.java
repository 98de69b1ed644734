package org.hybridstore.chaos.mutants;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.hybridstore.OrderId;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * A read of an order at a past revision goes through a cache keyed by order only: it answers with
 * etcd's version at that revision, but carrying the op ids of the latest version. The confirmation
 * lookup walks back through past versions to find the first that holds a write, so it names a
 * revision at which etcd did not hold the write yet: the write is confirmed before it was in etcd.
 * Nothing else reads past revisions, so only the confirmation check can see it.
 */
public final class ConfirmTooEarly extends AbstractMutant {
  /** Creates the mutant. */
  public ConfirmTooEarly() {
    super(
        "confirm-too-early",
        "a write is confirmed at a revision before etcd held it",
        List.of("confirmations"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return context ->
        new DelegatingStrongBackend(real.create(context)) {
          @Override
          public CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
            CompletionStage<Optional<StoredRecord>> past = real.readRevision(id, atRevision);
            if (atRevision == 0) {
              return past;
            }
            return past.thenCombine(
                real.readRevision(id, 0),
                (then, now) ->
                    then.map(
                        v ->
                            now.map(
                                    latest ->
                                        new StoredRecord(
                                            v.record().merge(latest.record()), v.modRevision()))
                                .orElse(v)));
          }
        };
  }
}
