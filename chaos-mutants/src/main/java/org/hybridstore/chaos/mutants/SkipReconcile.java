package org.hybridstore.chaos.mutants;

import java.util.List;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackendFactory;

/**
 * The reconcile backlog always looks empty: nodes return to STRONG without folding their
 * provisional writes into etcd, so those writes never reach it.
 */
public final class SkipReconcile extends AbstractMutant {
  /** Creates the mutant. */
  public SkipReconcile() {
    super(
        "skip-reconcile",
        "the reconcile backlog always looks empty, so provisional writes never reach etcd",
        List.of("no-lost"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public LocalBackendFactory local(LocalBackendFactory real) {
    return context ->
        new DelegatingLocalBackend(real.create(context)) {
          @Override
          public List<OrderRecord> backlog(int max) {
            return List.of();
          }

          @Override
          public List<OrderId> backlogIds(int max) {
            return List.of();
          }

          @Override
          public int backlogSize() {
            return 0;
          }

          @Override
          public boolean inBacklog(OrderId id) {
            return false;
          }
        };
  }
}
