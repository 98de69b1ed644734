package org.hybridstore.cp;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.testing.OrderStoreContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared order-store behaviour, on the etcd backend against a real single-member etcd. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EtcdBackendContractIT extends OrderStoreContract {
  @RegisterExtension
  static final EtcdClusterExtension cluster = EtcdClusterExtension.builder().withNodes(1).build();

  @Override
  protected Subject open() {
    TestBackendContext ctx = new TestBackendContext("n1");
    StrongBackend backend = EtcdBackendFactory.of(cluster.cpConfig().build()).create(ctx.context());
    return new Subject() {
      @Override
      public CompletionStage<Written> apply(OrderCommand command) {
        return backend
            .apply(command)
            .thenApply(w -> new Written(w.record().toOrder(), w.duplicate()));
      }

      @Override
      public Optional<Order> read(OrderId id) throws Exception {
        return backend
            .read(id, ReadConsistency.LINEARIZABLE)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .map(OrderRecord::toOrder);
      }

      @Override
      public void close() {
        try {
          backend.close();
        } finally {
          ctx.close();
        }
      }
    };
  }
}
