package org.hybridstore.ap.internal;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.testing.OrderStoreContract;
import org.junit.jupiter.api.io.TempDir;

/** The shared order-store behaviour, on the local journal (a real journal in a temp directory). */
class MapDbBackendContractTest extends OrderStoreContract {
  @TempDir Path dir;

  @Override
  protected Subject open() {
    LocalHub hub = new LocalHub(3);
    TestNode node = TestNode.inMemory("n1", TestNode.config(dir).build(), hub);
    return new Subject() {
      @Override
      public CompletionStage<Written> apply(OrderCommand command) {
        return node.backend
            .apply(command)
            .thenApply(w -> new Written(w.record().toOrder(), w.duplicate()));
      }

      @Override
      public Optional<Order> read(OrderId id) {
        return node.backend.read(id).map(OrderRecord::toOrder);
      }

      @Override
      public void close() {
        try {
          node.close();
        } finally {
          hub.close();
        }
      }
    };
  }
}
