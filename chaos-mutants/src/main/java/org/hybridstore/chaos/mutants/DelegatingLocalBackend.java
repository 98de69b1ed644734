package org.hybridstore.chaos.mutants;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StoredRecord;

/**
 * Forwards every call to the real local backend, the SPI's default methods included (a default left
 * unforwarded would silently change behaviour); mutants override the calls they break.
 */
class DelegatingLocalBackend implements LocalBackend {
  final LocalBackend real;

  DelegatingLocalBackend(LocalBackend real) {
    this.real = real;
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    return real.apply(command);
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command, Stamp stamp) {
    return real.apply(command, stamp);
  }

  @Override
  public Optional<OrderRecord> read(OrderId id) {
    return real.read(id);
  }

  @Override
  public Optional<EncodedRecord> readEncoded(OrderId id) {
    return real.readEncoded(id);
  }

  @Override
  public CompletionStage<Void> absorb(Collection<OrderRecord> records, long revision) {
    return real.absorb(records, revision);
  }

  @Override
  public CompletionStage<Void> absorb(Collection<OrderRecord> records) {
    return real.absorb(records);
  }

  @Override
  public CompletionStage<Void> absorbStored(List<StoredRecord> records, long revision) {
    return real.absorbStored(records, revision);
  }

  @Override
  public CompletionStage<Void> absorbEncoded(List<EncodedRecord> records) {
    return real.absorbEncoded(records);
  }

  @Override
  public long mirrorRevision() {
    return real.mirrorRevision();
  }

  @Override
  public List<OrderRecord> backlog(int max) {
    return real.backlog(max);
  }

  @Override
  public int backlogSize() {
    return real.backlogSize();
  }

  @Override
  public boolean inBacklog(OrderId id) {
    return real.inBacklog(id);
  }

  @Override
  public VersionVector knownFolded(OrderId id) {
    return real.knownFolded(id);
  }

  @Override
  public List<OrderId> backlogIds(int max) {
    return real.backlogIds(max);
  }

  @Override
  public Optional<VersionVector> backlogVersions(OrderId id) {
    return real.backlogVersions(id);
  }

  @Override
  public List<OrderId> orderIds(String after, int limit) {
    return real.orderIds(after, limit);
  }

  @Override
  public java.util.SortedMap<String, Long> replicaHashes(String after, int limit) {
    return real.replicaHashes(after, limit);
  }

  @Override
  public String replicaDigest() {
    return real.replicaDigest();
  }

  @Override
  public JournalHealth journalHealth() {
    return real.journalHealth();
  }

  @Override
  public java.util.SortedMap<String, Long> peerDrops() {
    return real.peerDrops();
  }

  @Override
  public void publishMode(ConsistencyMode mode, long epoch) {
    real.publishMode(mode, epoch);
  }

  @Override
  public Map<NodeId, PeerState> peers() {
    return real.peers();
  }

  @Override
  public void close() {
    real.close();
  }

  @Override
  public Optional<OrderId> orderOfOp(OpId opId) {
    return real.orderOfOp(opId);
  }

  @Override
  public AutoCloseable listenProvisional(Consumer<List<OrderRecord>> listener) {
    return real.listenProvisional(listener);
  }
}
