package org.hybridstore.chaos.mutants;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.spi.StrongBackendCounters;

/** Forwards every call to the real strong backend; mutants override the calls they break. */
class DelegatingStrongBackend implements StrongBackend {
  final StrongBackend real;

  DelegatingStrongBackend(StrongBackend real) {
    this.real = real;
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    return real.apply(command);
  }

  @Override
  public CompletionStage<Optional<OrderRecord>> read(OrderId id, ReadConsistency consistency) {
    return real.read(id, consistency);
  }

  @Override
  public CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
    return real.readRevision(id, atRevision);
  }

  @Override
  public CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records) {
    return real.mergeAll(records);
  }

  @Override
  public CompletionStage<MergeReport> mergeAllEncoded(List<EncodedRecord> records) {
    return real.mergeAllEncoded(records);
  }

  @Override
  public AutoCloseable watch(long fromRevision, ChangeListener listener) {
    return real.watch(fromRevision, listener);
  }

  @Override
  public CompletionStage<QuorumStatus> probe(Duration deadline) {
    return real.probe(deadline);
  }

  @Override
  public StrongBackendCounters counters() {
    return real.counters();
  }

  @Override
  public void close() {
    real.close();
  }
}
