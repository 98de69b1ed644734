package org.hybridstore.spi;

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

/**
 * The node-local backend: a durable replica of every order the node knows, a backlog of records
 * that hold writes etcd may not have yet, and replication of those writes to peer nodes.
 *
 * <p>The backlog holds a record until etcd's record includes it: {@link #absorb} clears every
 * backlog entry that the absorbed etcd record dominates. Records received from peers enter the
 * backlog too, so whichever node sees etcd first folds them in (hinted handoff).
 */
public interface LocalBackend extends AutoCloseable {
  /**
   * Applies a command to the local replica as a provisional write: the stage completes only after
   * the record is durably committed (fsync'd) together with its backlog entry; then it is pushed to
   * peers.
   *
   * @param command the command
   * @return the committed write
   */
  CompletionStage<BackendWrite> apply(OrderCommand command);

  /**
   * Applies a command as {@link #apply(OrderCommand)} does, but with a stamp the caller read
   * earlier: the in-call fallback of a write whose etcd attempt may have committed. The caller
   * takes the stamp from the node's clock before that attempt, so the etcd copy, stamped by the
   * same clock afterwards, is later, and so is every write etcd orders after it; this copy then
   * never wins over them when the two are joined. A register the replica already holds with a later
   * stamp keeps its value ({@link org.hybridstore.model.OrderCommands#apply(OrderRecord,
   * OrderCommand, Stamp)}).
   *
   * @param command the command
   * @param stamp the write's stamp
   * @return the committed write
   */
  CompletionStage<BackendWrite> apply(OrderCommand command, Stamp stamp);

  /**
   * Reads the local replica; no I/O beyond the local store.
   *
   * @param id the order
   * @return the record, or empty
   */
  Optional<OrderRecord> read(OrderId id);

  /**
   * Reads the local replica as {@link #read} does, with the record's encoding: the reconciler hands
   * the bytes on to {@link StrongBackend#mergeAllEncoded}, which sends them to etcd as they are
   * when etcd takes the record as given, instead of encoding it again. The default encodes the
   * record read.
   *
   * @param id the order
   * @return the record with its encoding, or empty
   */
  default Optional<EncodedRecord> readEncoded(OrderId id) {
    return read(id).map(EncodedRecord::of);
  }

  /**
   * Merges records as etcd holds them into the replica (from the watch feed or after a reconcile),
   * durably, and clears the backlog entries they include.
   *
   * @param records records from etcd
   * @param revision the etcd revision they are current at; remembered as {@link #mirrorRevision()}
   * @return completes when committed
   */
  CompletionStage<Void> absorb(Collection<OrderRecord> records, long revision);

  /**
   * Does what {@link #absorb(Collection, long)} does, for records read from etcd that may carry the
   * bytes etcd holds ({@link StoredRecord#encoded()}): a replica holding exactly those bytes for an
   * order may take them as proof that it holds etcd's record, without encoding it again. The
   * default drops the bytes.
   *
   * @param records records from etcd, at most one per order
   * @param revision the etcd revision they are current at; remembered as {@link #mirrorRevision()}
   * @return completes when committed
   */
  default CompletionStage<Void> absorbStored(List<StoredRecord> records, long revision) {
    return absorb(records.stream().map(StoredRecord::record).toList(), revision);
  }

  /**
   * Merges records as etcd holds them into the replica, durably, and clears the backlog entries
   * they include, without moving the mirror revision: for records the node wrote to etcd itself or
   * folded in by reconciling, which the watch feed delivers again later with their revision. The
   * default absorbs at the current mirror revision.
   *
   * @param records records from etcd
   * @return completes when committed
   */
  default CompletionStage<Void> absorb(Collection<OrderRecord> records) {
    return absorb(records, mirrorRevision());
  }

  /**
   * Does what {@link #absorb(Collection)} does (the mirror revision stays), for records a reconcile
   * pass folded in that etcd took as they were given, with their encoding: a replica still holding
   * exactly those bytes holds etcd's record, which is then not encoded to find that out. The
   * default drops the bytes.
   *
   * @param records records as etcd now holds them, at most one per order
   * @return completes when committed
   */
  default CompletionStage<Void> absorbEncoded(List<EncodedRecord> records) {
    return absorb(records.stream().map(EncodedRecord::record).toList());
  }

  /** Returns the etcd revision the replica was last brought up to by {@link #absorb}. */
  long mirrorRevision();

  /**
   * Returns up to {@code max} backlog records, oldest first.
   *
   * @param max how many at most
   * @return the records
   */
  List<OrderRecord> backlog(int max);

  /**
   * Returns up to {@code max} ids of backlog orders, oldest first, without reading their records:
   * the reconciler reads only the records it folds. The default reads them ({@link #backlog}).
   *
   * @param max how many at most
   * @return the ids
   */
  default List<OrderId> backlogIds(int max) {
    return backlog(max).stream().map(OrderRecord::id).toList();
  }

  /**
   * Returns the version vector of an order's backlog record if the backend knows it without reading
   * the record, so the reconciler can tell whose record it is ({@link #knownFolded}) for the many
   * records it leaves to their owners. A hint: it may lag the record for a moment, which changes
   * only who folds the record, never what is folded. The default knows none.
   *
   * @param id the order
   * @return the vector, or empty: read the record
   */
  default Optional<VersionVector> backlogVersions(OrderId id) {
    return Optional.empty();
  }

  /** Returns how many records are in the backlog. */
  int backlogSize();

  /**
   * Returns whether an order's record is in the backlog (holds writes etcd may not have). The
   * default scans the backlog; implementations should answer from an index.
   *
   * @param id the order
   * @return whether it is in the backlog
   */
  default boolean inBacklog(OrderId id) {
    return backlog(Integer.MAX_VALUE).stream().anyMatch(r -> r.id().equals(id));
  }

  /**
   * Returns a version vector that the strong backend's record of an order is known to include, for
   * an order in the backlog: a lower bound (etcd may hold more), learned when the order entered the
   * backlog (the replica's record then was included) and from every absorb since. The writers of
   * the backlog record beyond it ({@link VersionVector#aheadOf}) are the nodes whose writes etcd
   * may lack, which lets the reconciler leave a record to the one node that wrote all of them. The
   * default knows nothing: {@link VersionVector#EMPTY}, so every writer of the record counts.
   *
   * @param id the order
   * @return the vector; empty if unknown (for example after a restart)
   */
  default VersionVector knownFolded(OrderId id) {
    return VersionVector.EMPTY;
  }

  /**
   * Returns the order whose record in the replica holds an op id: an index from the op id keys
   * ({@link OpId#key()}) of every record in the replica to its order, kept with the records (a key
   * leaves it when the order's record no longer holds it) and rebuilt with them. If several orders
   * hold the key (an op id reused across orders), one of them. The default knows none.
   *
   * @param opId the op id
   * @return the order, or empty if no record in the replica holds the op id
   */
  default Optional<OrderId> orderOfOp(OpId opId) {
    return Optional.empty();
  }

  /**
   * Registers a listener for provisional changes of the replica: the record after each of this
   * node's own writes, and after each record received from a peer that changed the replica, once it
   * is committed. Called on the backend's writer thread with the records of one commit: the
   * listener must not block. The default never calls it.
   *
   * @param listener receives the changed records
   * @return closing it removes the listener
   */
  default AutoCloseable listenProvisional(Consumer<List<OrderRecord>> listener) {
    return () -> {};
  }

  /**
   * Publishes this node's mode and epoch to its peers.
   *
   * @param mode the mode
   * @param epoch the epoch
   */
  void publishMode(ConsistencyMode mode, long epoch);

  /** Returns the live peers and the mode and epoch each last published. */
  Map<NodeId, PeerState> peers();

  /**
   * Lists the orders in the replica in id order, a page at a time (diagnostics and the chaos
   * suite's final reads). The default lists nothing.
   *
   * @param after the last id of the previous page, or empty for the first page
   * @param limit the most ids to return (at least 1)
   * @return the next ids after {@code after}, at most {@code limit}
   */
  default List<OrderId> orderIds(String after, int limit) {
    return List.of();
  }

  /**
   * Lists the content hashes of the orders in the replica in id order, a page at a time: order id
   * to the first eight bytes of the SHA-256 of the record's {@code RecordCodec} encoding (the chaos
   * suite compares them with etcd's records). The default lists nothing.
   *
   * @param after the last id of the previous page, or empty for the first page
   * @param limit the most entries to return (at least 1)
   * @return the next entries after {@code after}, in id order
   */
  default java.util.SortedMap<String, Long> replicaHashes(String after, int limit) {
    return new java.util.TreeMap<>();
  }

  /**
   * Returns a digest of the whole replica: {@code <count>:<xor>} where {@code xor} is the hex XOR
   * of the first eight bytes of the SHA-256 of every record's {@code RecordCodec} encoding. Two
   * replicas (or a replica and etcd) with equal digests hold the same records. The default returns
   * an empty string (no digest).
   */
  default String replicaDigest() {
    return "";
  }

  /**
   * Returns the condition of the node's journal: whether it acknowledges writes now, and what its
   * start found. A journal that cannot write refuses provisional writes (definitely not applied)
   * until it has recovered. The default reports a healthy journal.
   */
  default JournalHealth journalHealth() {
    return JournalHealth.HEALTHY;
  }

  /**
   * Returns how many peer messages this backend dropped since it started, by reason (a running
   * total per reason, in reason order; every reason the backend knows is listed, also at zero). A
   * peer that floods or lies is dropped and counted here, never believed. The default drops nothing
   * and lists no reason.
   */
  default java.util.SortedMap<String, Long> peerDrops() {
    return java.util.Collections.emptySortedMap();
  }

  /** Flushes pending commits and closes the store and the membership. */
  @Override
  void close();

  /**
   * What a peer last published.
   *
   * @param mode its mode
   * @param epoch its epoch
   */
  record PeerState(ConsistencyMode mode, long epoch) {}

  /**
   * The journal's condition.
   *
   * @param writable whether it acknowledges writes now
   * @param problem why it cannot write, or empty
   * @param damageAtStart what the last start found damaged in the journal (writes held only there
   *     are gone from this node and come back from etcd and peers), or empty
   * @param quarantined where the damaged journal was copied, or empty
   * @param writeFailures writes that failed since the start
   * @param recoveries recoveries from a failed write since the start
   * @param indexRebuilds rebuilds of the journal's index since the start (after a crash, one)
   */
  record JournalHealth(
      boolean writable,
      String problem,
      String damageAtStart,
      String quarantined,
      long writeFailures,
      long recoveries,
      long indexRebuilds) {
    /** A journal with nothing to report. */
    public static final JournalHealth HEALTHY = new JournalHealth(true, "", "", "", 0, 0, 0);
  }
}
